import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { create as createTar, list as listTar } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { NodeFileSystem } from '../../../src/io/fs.js';
import { CNI_PLUGINS_VERSION, cniArchiveUrl, cniStep } from '../../../src/steps/cni.js';
import { loadTestConfig, makeHarness, type StepHarness } from './step-context.js';

const ARCHIVE = `cni-plugins-linux-amd64-v${CNI_PLUGINS_VERSION}.tgz`;
const URL_UPSTREAM = `https://github.com/containernetworking/plugins/releases/download/v${CNI_PLUGINS_VERSION}/${ARCHIVE}`;
const CACHED = `/var/lib/kjoin/cache/${ARCHIVE}`;
/** Small stand-ins for the plugins; the release tarball is flat ("./bridge") with 0755 files. */
const PLUGINS: Record<string, string> = {
  bridge: '#!/bin/sh\necho bridge\n',
  'host-local': '#!/bin/sh\necho host-local\n',
  loopback: '#!/bin/sh\necho loopback\n',
};

let workDir: string;

beforeEach(async () => {
  workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kjoin-cni-'));
});
afterEach(async () => {
  await fsp.rm(workDir, { recursive: true, force: true });
});

/** A .tgz built with node-tar from files on disk; `extra` adds raw entry paths relative to the source dir. */
async function buildTarball(name: string, entries: Record<string, string>, extra: string[] = []): Promise<Buffer> {
  const source = path.join(workDir, `${name}-src`, 'plugins');
  await fsp.mkdir(source, { recursive: true });
  for (const [file, content] of Object.entries(entries)) {
    await fsp.writeFile(path.join(source, file), content);
    await fsp.chmod(path.join(source, file), 0o755);
  }
  const file = path.join(workDir, `${name}.tgz`);
  const paths = [...Object.keys(entries).map((entry) => `./${entry}`), ...extra];
  await createTar({ gzip: true, file, cwd: source, portable: true, preservePaths: extra.length > 0 }, paths);
  return fsp.readFile(file);
}

/** Every regular file under the host root, as host paths. */
async function listHostFiles(root: string): Promise<string[]> {
  const entries = await fsp.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => `/${path.relative(root, path.join(entry.parentPath, entry.name))}`)
    .sort();
}

async function makeHost(config: ResolvedConfig, tarball: Buffer): Promise<{ h: StepHarness<NodeFileSystem>; root: string }> {
  const root = path.join(workDir, 'host');
  await fsp.mkdir(root);
  const h = makeHarness({ config, fs: new NodeFileSystem(root) });
  h.http.serveArtifact(URL_UPSTREAM, tarball);
  return { h, root };
}

describe('cni step (real file system under a temp host root)', () => {
  let config: ResolvedConfig;
  beforeEach(async () => {
    config = await loadTestConfig();
  });

  it('plans one verified download and no files', async () => {
    const { h } = await makeHost(config, await buildTarball('release', PLUGINS));
    expect(cniArchiveUrl(h.context())).toBe(URL_UPSTREAM);
    expect(await cniStep.plan(h.context())).toMatchObject({
      files: [],
      commands: [],
      downloads: [{ url: URL_UPSTREAM, path: CACHED, mode: 0o600, sha256From: `${URL_UPSTREAM}.sha256` }],
    });
  });

  it('fetches from the mirror when one is set', async () => {
    const mirrored = await loadTestConfig({ flags: { mirror: 'https://mirror.example.com/k8s' } });
    const { h } = await makeHost(mirrored, await buildTarball('release', PLUGINS));
    expect(cniArchiveUrl(h.context())).toBe(`https://mirror.example.com/k8s/github.com/containernetworking/plugins/releases/download/v${CNI_PLUGINS_VERSION}/${ARCHIVE}`);
  });

  it('unpacks the plugins 0755 into /opt/cni/bin, records their sha256 and removes the cached archive', async () => {
    const { h, root } = await makeHost(config, await buildTarball('release', PLUGINS));
    // a run killed while unpacking left its staging directory behind
    await fsp.mkdir(path.join(root, 'opt/cni/.kjoin-staging-0badc0de'), { recursive: true });
    await fsp.writeFile(path.join(root, 'opt/cni/.kjoin-staging-0badc0de/bridge'), 'half');
    expect((await cniStep.check(h.context())).status).toBe('needed');

    const result = await cniStep.apply(h.context());

    for (const [name, content] of Object.entries(PLUGINS)) {
      const stat = await fsp.stat(path.join(root, 'opt/cni/bin', name));
      expect(stat.mode & 0o7777).toBe(0o755);
      expect(await fsp.readFile(path.join(root, 'opt/cni/bin', name), 'utf8')).toBe(content);
    }
    const record = h.state.component('cni')!;
    expect(record.version).toBe(CNI_PLUGINS_VERSION);
    expect(record.files).toEqual(
      Object.entries(PLUGINS).map(([name, content]) => ({
        path: `/opt/cni/bin/${name}`,
        sha256: createHash('sha256').update(content).digest('hex'),
        mode: 0o755,
      })),
    );
    expect(await fsp.readdir(path.join(root, 'opt/cni'))).toEqual(['bin']);
    expect(await h.fs.exists(CACHED)).toBe(false);
    expect(await listHostFiles(root)).toEqual(['/opt/cni/bin/bridge', '/opt/cni/bin/host-local', '/opt/cni/bin/loopback']);
    expect(result).toEqual({ message: `CNI plugins v${CNI_PLUGINS_VERSION}: 3 plugins in /opt/cni/bin` });
    expect(h.progress.map((p) => p.message)).toContain(`unpacking ${ARCHIVE}`);
  });

  it('is done on the next run and downloads nothing more; a changed plugin makes it needed again', async () => {
    const { h, root } = await makeHost(config, await buildTarball('release', PLUGINS));
    expect((await h.run([cniStep])).outcomes.map((o) => o.status)).toEqual(['ok']);
    const downloads = h.http.calls.length;

    const again = await h.run([cniStep]);
    expect(again.outcomes.map((o) => o.status)).toEqual(['no-change']);
    expect(h.http.calls).toHaveLength(downloads);

    await fsp.writeFile(path.join(root, 'opt/cni/bin/loopback'), 'tampered');
    expect((await cniStep.check(h.context())).status).toBe('needed');
  });

  it('never writes outside /opt/cni/bin for a tarball with a ../ entry', async () => {
    // the entry ../evil points at <workDir>/evil-src/evil, next to the plugins directory tar runs in
    await fsp.mkdir(path.join(workDir, 'evil-src'), { recursive: true });
    await fsp.writeFile(path.join(workDir, 'evil-src', 'evil'), 'escaped\n');
    const tarball = await buildTarball('evil', { bridge: PLUGINS.bridge! }, ['../evil']);
    const entries: string[] = [];
    await listTar({ file: path.join(workDir, 'evil.tgz'), onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries).toEqual(['./bridge', '../evil']);
    const { h, root } = await makeHost(config, tarball);

    await expect(cniStep.apply(h.context())).rejects.toThrow(/'\.\.'/);

    expect(await fsp.readdir(workDir)).toEqual(['evil-src', 'evil.tgz', 'host']);
    expect(h.state.component('cni')).toBeUndefined();
    const files = await listHostFiles(root);
    expect(files.filter((file) => path.posix.basename(file) === 'evil')).toEqual([]);
    expect(files.every((file) => file.startsWith('/opt/cni/bin/') || file === CACHED)).toBe(true);
    expect((await fsp.readdir(path.join(root, 'opt/cni'))).filter((name) => name.startsWith('.kjoin-staging-'))).toEqual([]);
  });

  it('leaves the release\'s LICENSE and README.md out of /opt/cni/bin', async () => {
    const { h, root } = await makeHost(config, await buildTarball('release', { ...PLUGINS, LICENSE: 'Apache-2.0\n', 'README.md': '# plugins\n' }));
    await cniStep.apply(h.context());
    expect(await listHostFiles(root)).toEqual(['/opt/cni/bin/bridge', '/opt/cni/bin/host-local', '/opt/cni/bin/loopback']);
  });

  it('refuses a tarball without plugins', async () => {
    const { h } = await makeHost(config, await buildTarball('empty', {}, ['.']));
    await expect(cniStep.apply(h.context())).rejects.toMatchObject({ code: 'step-failed', message: `${ARCHIVE} is not a usable release tarball: it has no installable file` });
    expect(h.state.component('cni')).toBeUndefined();
  });
});
