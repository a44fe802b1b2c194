import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSha256File } from '../../../src/io/http-checksum.js';
import { resolveDownloadUrl } from '../../../src/io/mirror.js';
import {
  cniPluginsArtifact,
  containerdReleaseArtifacts,
  kubeletArtifacts,
  runcArtifacts,
  sha256Hex,
  startMirror,
  type KubeArch,
  type Mirror,
  type MirrorArtifact,
} from '../../doubles/mirror/server.js';
import { CNI_PLUGIN_NAMES, cniPluginsUpstreamUrl, CONTAINERD_RELEASE_BINARIES, containerdUpstreamUrl, kubeletUpstreamUrl, runcUpstreamUrl } from '../../doubles/mirror/artifacts.js';
import { REPO_ROOT } from '../../support/run-cli.js';

const HOST_ARCH = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, KubeArch>)[process.arch] ?? 'amd64';
const KUBELET_131 = 'dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet';

let work: string;
let mirror: Mirror | undefined;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kjoin-mirror-double-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(async () => {
  await mirror?.close();
  mirror = undefined;
});

async function fetchBytes(url: string, init?: RequestInit): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

async function start(artifacts: MirrorArtifact[], root?: string): Promise<Mirror> {
  mirror = await startMirror({ artifacts, root });
  return mirror;
}

describe('artifact mirror layout and checksums', () => {
  it('serves a kubelet per version and arch whose sha256 matches the bare-hex .sha256 beside it', async () => {
    const m = await start(kubeletArtifacts('1.31.2', ['amd64', 'arm64']).concat(kubeletArtifacts('1.32.0', ['amd64'])));
    const digests = new Set<string>();
    for (const [version, arch] of [['v1.31.2', 'amd64'], ['v1.31.2', 'arm64'], ['v1.32.0', 'amd64']] as const) {
      const url = `${m.url}/dl.k8s.io/release/${version}/bin/linux/${arch}/kubelet`;
      const binary = await fetchBytes(url);
      const checksum = await fetchBytes(`${url}.sha256`);
      expect(binary.status).toBe(200);
      expect(Number(binary.headers.get('content-length'))).toBe(binary.body.length);
      expect(checksum.body.toString()).toMatch(/^[0-9a-f]{64}$/);
      expect(checksum.body.toString()).toBe(sha256Hex(binary.body));
      expect(parseSha256File(checksum.body.toString(), 'kubelet')).toBe(sha256Hex(binary.body));
      digests.add(checksum.body.toString());
    }
    expect(digests.size).toBe(3);
  });

  it('serves a kubelet that runs and reports its version', async () => {
    const m = await start(kubeletArtifacts('1.32.0', [HOST_ARCH]));
    const binary = await fetchBytes(`${m.url}/dl.k8s.io/release/v1.32.0/bin/linux/${HOST_ARCH}/kubelet`);
    const path = join(work, 'kubelet-from-mirror');
    writeFileSync(path, binary.body, { mode: 0o755 });
    const run = spawnSync(process.execPath, [path, '--version'], { encoding: 'utf8' });
    expect(run.stdout).toBe('Kubernetes v1.32.0\n');
  });

  it('answers at the URLs kjoin derives with --mirror', async () => {
    const m = await start([...kubeletArtifacts('1.31.2', ['amd64']), ...cniPluginsArtifact('1.5.1', 'amd64')]);
    for (const upstream of [kubeletUpstreamUrl('1.31.2', 'amd64'), cniPluginsUpstreamUrl('1.5.1', 'amd64')]) {
      expect((await fetchBytes(resolveDownloadUrl(upstream, `${m.url}/`))).status).toBe(200);
      expect((await fetchBytes(resolveDownloadUrl(`${upstream}.sha256`, m.url))).status).toBe(200);
    }
  });

  it('serves a CNI tarball that matches its sha256sum line and unpacks into executable plugins', async () => {
    const m = await start(cniPluginsArtifact('v1.5.1', 'amd64'));
    const base = `${m.url}/github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-amd64-v1.5.1.tgz`;
    const tarball = await fetchBytes(base);
    const checksum = (await fetchBytes(`${base}.sha256`)).body.toString();
    expect(checksum).toBe(`${sha256Hex(tarball.body)}  cni-plugins-linux-amd64-v1.5.1.tgz\n`);
    expect(parseSha256File(checksum, 'cni-plugins-linux-amd64-v1.5.1.tgz')).toBe(sha256Hex(tarball.body));

    const dir = join(work, 'cni');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(work, 'cni.tgz'), tarball.body);
    const untar = spawnSync('tar', ['-xzf', join(work, 'cni.tgz'), '-C', dir], { encoding: 'utf8' });
    expect(untar.stderr).toBe('');
    expect(untar.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['LICENSE', 'README.md', ...CNI_PLUGIN_NAMES].sort());
    for (const name of CNI_PLUGIN_NAMES) expect(statSync(join(dir, name)).mode & 0o111).toBe(0o111);
    expect(spawnSync(join(dir, 'bridge'), { encoding: 'utf8' }).stdout).toBe('CNI plugin double bridge v1.5.1 linux/amd64\n');
    // The build is deterministic, so a mirror restarted mid-test serves the same bytes.
    expect(cniPluginsArtifact('1.5.1', 'amd64')[0]?.body.equals(tarball.body)).toBe(true);
  });

  it('serves a containerd release tarball (bin/ members) and runc with the one sha256sum list for every arch', async () => {
    const ctr = Buffer.from('#!/bin/sh\necho real ctr\n');
    const m = await start([...containerdReleaseArtifacts('1.7.22', 'arm64', { ctr }), ...runcArtifacts('1.1.14', ['amd64', 'arm64'])]);
    const tarballUrl = resolveDownloadUrl(containerdUpstreamUrl('1.7.22', 'arm64'), m.url);
    expect(tarballUrl).toBe(`${m.url}/github.com/containerd/containerd/releases/download/v1.7.22/containerd-1.7.22-linux-arm64.tar.gz`);
    const tarball = await fetchBytes(tarballUrl);
    const checksum = (await fetchBytes(`${tarballUrl}.sha256sum`)).body.toString();
    expect(checksum).toBe(`${sha256Hex(tarball.body)}  containerd-1.7.22-linux-arm64.tar.gz\n`);

    const dir = join(work, 'containerd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(work, 'containerd.tgz'), tarball.body);
    const untar = spawnSync('tar', ['-xzf', join(work, 'containerd.tgz'), '-C', dir], { encoding: 'utf8' });
    expect(untar.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['bin']);
    expect(readdirSync(join(dir, 'bin')).sort()).toEqual([...CONTAINERD_RELEASE_BINARIES].sort());
    expect(spawnSync(join(dir, 'bin/ctr'), { encoding: 'utf8' }).stdout).toBe('real ctr\n');
    expect(spawnSync(join(dir, 'bin/containerd'), { encoding: 'utf8' }).stdout).toBe('containerd double v1.7.22 linux/arm64\n');

    const runcUrl = resolveDownloadUrl(runcUpstreamUrl('1.1.14', 'arm64'), m.url);
    const runc = await fetchBytes(runcUrl);
    const list = (await fetchBytes(resolveDownloadUrl('https://github.com/opencontainers/runc/releases/download/v1.1.14/runc.sha256sum', m.url))).body.toString();
    expect(list.trim().split('\n')).toHaveLength(2);
    expect(parseSha256File(list, 'runc.arm64')).toBe(sha256Hex(runc.body));
    expect(parseSha256File(list, 'runc.amd64')).not.toBe(sha256Hex(runc.body));
  });

  it('serves files from a root directory, 404s the rest and refuses to leave the root', async () => {
    const root = join(work, 'root');
    mkdirSync(join(root, 'dl.k8s.io/release'), { recursive: true });
    writeFileSync(join(root, 'dl.k8s.io/release/stable.txt'), 'v1.31.2');
    writeFileSync(join(work, 'outside.txt'), 'secret');
    const m = await start([], root);
    expect((await fetchBytes(`${m.url}/dl.k8s.io/release/stable.txt`)).body.toString()).toBe('v1.31.2');
    expect((await fetchBytes(`${m.url}/dl.k8s.io/release/missing`)).status).toBe(404);
    expect((await fetchBytes(`${m.url}/..%2Foutside.txt`)).status).toBe(404);
    const head = await fetchBytes(`${m.url}/dl.k8s.io/release/stable.txt`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.body.length]).toEqual([200, '7', 0]);
    expect(m.requests).toEqual(['/dl.k8s.io/release/stable.txt', '/dl.k8s.io/release/missing', '/..%2Foutside.txt', '/dl.k8s.io/release/stable.txt']);
  });
});

describe('artifact mirror faults', () => {
  it('wrong-checksum: the .sha256 names another digest while the binary is unchanged', async () => {
    const artifacts = kubeletArtifacts('1.31.2', ['amd64']);
    const m = await start(artifacts);
    m.setFault(KUBELET_131, 'wrong-checksum');
    const binary = await fetchBytes(`${m.url}/${KUBELET_131}`);
    const checksum = (await fetchBytes(`${m.url}/${KUBELET_131}.sha256`)).body.toString();
    expect(binary.body.equals(artifacts[0]!.body)).toBe(true);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum).not.toBe(sha256Hex(binary.body));
    m.setFault(`/${KUBELET_131}`, null);
    expect((await fetchBytes(`${m.url}/${KUBELET_131}.sha256`)).body.toString()).toBe(sha256Hex(binary.body));
  });

  it('fail-times:2 answers 503 twice, then serves the file', async () => {
    const m = await start(kubeletArtifacts('1.31.2', ['amd64']));
    m.setFault(KUBELET_131, 'fail-times:2');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetchBytes(`${m.url}/${KUBELET_131}`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(m.requests.filter((path) => path === `/${KUBELET_131}`)).toHaveLength(3);
  });

  it('stall-after:100 sends the full Content-Length, 100 bytes, then nothing until close()', async () => {
    const m = await start(kubeletArtifacts('1.31.2', ['amd64']));
    m.setFault(KUBELET_131, 'stall-after:100');
    const outcome = await new Promise<{ length: string | undefined; received: number; ended: boolean }>((resolvePromise, reject) => {
      const req = request(`${m.url}/${KUBELET_131}`, (res) => {
        let received = 0;
        let ended = false;
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('end', () => (ended = true));
        res.on('error', () => undefined);
        setTimeout(() => resolvePromise({ length: res.headers['content-length'], received, ended }), 400);
      });
      req.on('error', reject);
      req.end();
    });
    expect(Number(outcome.length)).toBeGreaterThan(100);
    expect(outcome).toMatchObject({ received: 100, ended: false });
    await m.close();
    mirror = undefined;
  });

  it('slow:<rate> streams the whole body at about that rate', async () => {
    const body = Buffer.from('x'.repeat(600));
    const m = await start([{ path: 'slow/file', body }]);
    m.setFault('slow/file', 'slow:2000');
    const started = Date.now();
    const result = await fetchBytes(`${m.url}/slow/file`);
    expect(result.body.equals(body)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('rejects an unknown fault', async () => {
    const m = await start([]);
    expect(() => m.setFault('x', 'explode' as never)).toThrow('unknown fault "explode"');
    expect(() => m.setFault('x', 'slow:0')).toThrow('rate above 0');
  });
});

describe('artifact mirror CLI', () => {
  it('prints the URL first and serves the requested versions and arches', async () => {
    const child = spawn(resolve(REPO_ROOT, 'node_modules/.bin/tsx'), ['test/doubles/mirror/main.ts', '--port', '0', '--kubernetes', '1.31.2,1.32.0', '--arch', 'amd64,arm64', '--quiet'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolvePromise, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolvePromise(out.split('\n')[0] as string);
        });
        child.on('exit', (code) => reject(new Error(`mirror CLI exited with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const path of ['dl.k8s.io/release/v1.32.0/bin/linux/arm64/kubelet', 'github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-arm64-v1.5.1.tgz.sha256']) {
        expect((await fetchBytes(`${url}/${path}`)).status).toBe(200);
      }
    } finally {
      const exited = new Promise((resolvePromise) => child.on('exit', resolvePromise));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
