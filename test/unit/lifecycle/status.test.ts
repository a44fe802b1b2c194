import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { STATE_FILE, type KjoinState } from '../../../src/engine/state.js';
import { FakeHttp, type RequestOptions, type HttpResponse } from '../../../src/io/http.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import type { NodeStatus } from '../../../src/lifecycle/status-collect.js';
import { parseVersionOutput } from '../../../src/lifecycle/status-collect.js';
import { NOT_JOINED } from '../../../src/lifecycle/status-format.js';
import { makeHarness, type Harness } from './status-harness.js';

const SERVER = 'https://api.example.com:6443';
const NODE_URL = `${SERVER}/api/v1/nodes/worker-1`;
const PEER = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
/** 2026-11-22T09:59:25Z: 35 s before the harness clock. */
const HANDSHAKE_SECONDS = Date.parse('2026-11-22T09:59:25Z') / 1000;

const JOINED_STATE: KjoinState = {
  version: 1,
  components: {
    containerd: { version: '1.7.24', source: 'distro', files: [], backups: [], units: ['containerd.service'], packages: [], skippedPackages: [], masked: [], updatedAt: '2026-11-22T09:50:00.000Z' },
    kubelet: { version: '1.31.2', files: [], backups: [], units: ['kubelet.service'], packages: [], skippedPackages: [], masked: [], updatedAt: '2026-11-22T09:51:00.000Z' },
    wireguard: { files: [], backups: [], units: ['kjoin-wireguard-kjoin0.service'], packages: [], skippedPackages: [], masked: [], updatedAt: '2026-11-22T09:52:00.000Z' },
    register: {
      files: [],
      backups: [],
      units: [],
      packages: [],
      skippedPackages: [],
      masked: [],
      registration: { nodeName: 'worker-1', server: SERVER, provider: 'kubeadm' },
      updatedAt: '2026-11-22T09:53:00.000Z',
    },
  },
  lastRun: { command: 'join', startedAt: '2026-11-22T09:49:00.000Z', finishedAt: '2026-11-22T09:53:30.000Z', result: 'ok' },
};

function kubeletConf(): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: { server: SERVER, 'certificate-authority-data': b64('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n') } }],
    users: [{ name: 'default-auth', user: { 'client-certificate-data': b64('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n'), 'client-key-data': b64('-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n') } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', user: 'default-auth' } }],
    'current-context': 'default-context',
  });
}

function nodeJson(ready: { status: string; reason: string; message: string }): string {
  return JSON.stringify({ metadata: { name: 'worker-1', annotations: {} }, status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', ...ready }] } });
}

/** A joined Debian node: state.json, the node credential, running units, a live tunnel, the API answering. */
function seedJoinedHost(harness: Harness, state: KjoinState = JOINED_STATE): void {
  harness.fs.put(STATE_FILE, JSON.stringify(state), 0o600);
  harness.fs.put('/etc/kubernetes/kubelet.conf', kubeletConf(), 0o600);
  for (const unit of ['containerd', 'kubelet', 'kjoin-wireguard-kjoin0']) harness.systemd.setUnit(unit, { active: true, enabled: 'enabled' });
  harness.exec
    .on('kubelet', (args) => (args[0] === '--version' ? { stdout: 'Kubernetes v1.31.2' } : { exitCode: 1 }))
    .on('containerd', { stdout: 'containerd github.com/containerd/containerd v1.7.24 88bf19b2105c8b17560993bee28a01ddc2f97182' })
    .on('ip', (args) => (args.join(' ') === 'link show dev kjoin0' ? { stdout: '5: kjoin0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420' } : { exitCode: 1, stderr: 'Device does not exist.' }))
    .on('wg', { stdout: `${PEER}\t${HANDSHAKE_SECONDS}` });
  harness.http.reply(NODE_URL, { body: nodeJson({ status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }) });
}

async function statusJson(harness: Harness): Promise<NodeStatus> {
  const { stdout, error } = await harness.run(['status', '--json']);
  expect(error).toBeUndefined();
  return JSON.parse(stdout) as NodeStatus;
}

describe('kjoin status on a joined node', () => {
  it('reports versions, services, registration, readiness, the tunnel and the last run as JSON', async () => {
    const harness = makeHarness();
    seedJoinedHost(harness);
    const status = await statusJson(harness);
    expect(status.joined).toBe(true);
    expect(status.stateFile).toBe('present');
    expect(status.versions).toEqual({ kubelet: '1.31.2', containerd: '1.7.24' });
    expect(status.services).toEqual([
      { unit: 'containerd.service', active: true, enabled: 'enabled' },
      { unit: 'kubelet.service', active: true, enabled: 'enabled' },
      { unit: 'kjoin-wireguard-kjoin0.service', active: true, enabled: 'enabled' },
    ]);
    expect(status.node).toEqual({
      name: 'worker-1',
      server: SERVER,
      provider: 'kubeadm',
      bootstrapped: true,
      api: { state: 'ready', ready: { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' } },
    });
    expect(status.wireguard).toEqual([{ interface: 'kjoin0', present: true, peers: [{ publicKey: PEER, latestHandshake: '2026-11-22T09:59:25.000Z' }] }]);
    expect(status.lastRun).toEqual(JOINED_STATE.lastRun);
    expect(status.components.map((c) => c.id)).toEqual(['containerd', 'kubelet', 'wireguard', 'register']);
    expect(harness.exec.calls.find((c) => c.command === 'wg')?.args).toEqual(['show', 'kjoin0', 'latest-handshakes']);
  });

  it('prints the same as a table', async () => {
    const harness = makeHarness();
    seedJoinedHost(harness);
    const { stdout } = await harness.run(['status']);
    expect(stdout).not.toContain(NOT_JOINED);
    expect(stdout).toMatch(/^node {8}worker-1 \(kubeadm, https:\/\/api\.example\.com:6443\)$/m);
    expect(stdout).toMatch(/^ready +Ready \(KubeletReady\)$/m);
    expect(stdout).toMatch(/^kubelet +1\.31\.2$/m);
    expect(stdout).toMatch(/^containerd +1\.7\.24$/m);
    expect(stdout).toMatch(/^services +containerd active \(enabled\), kubelet active \(enabled\), kjoin-wireguard-kjoin0 active \(enabled\)$/m);
    expect(stdout).toMatch(/^wireguard +kjoin0 up, xTIBA5rb… handshake 35 s ago$/m);
    expect(stdout).toMatch(/^last run +join ok at 2026-11-22T09:53:30.000Z \(took 4 min 30 s\)$/m);
  });

  it('asks the API server as the node with a short timeout', async () => {
    const harness = makeHarness();
    seedJoinedHost(harness);
    const seen: RequestOptions[] = [];
    const real = harness.http;
    harness.http = Object.assign(new FakeHttp(harness.fs), {
      request: async (options: RequestOptions): Promise<HttpResponse> => {
        seen.push(options);
        return real.request(options);
      },
    });
    await statusJson(harness);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: NODE_URL, timeoutMs: 5000 });
    expect(seen[0]!.clientCert?.key).toContain('EC PRIVATE KEY');
  });

  it('says when the API server is unreachable, and still exits 0', async () => {
    const harness = makeHarness();
    seedJoinedHost(harness);
    harness.http.reply(NODE_URL, { networkError: 'ECONNREFUSED' });
    const { stdout, error } = await harness.run(['status']);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^ready +API server unreachable: GET https:\/\/api\.example\.com:6443\/api\/v1\/nodes\/worker-1 failed: .*ECONNREFUSED/m);
    expect((await statusJson(harness)).node.api.state).toBe('unreachable');
  });

  it('shows a NotReady node with the reason, and a refused credential as refused', async () => {
    const harness = makeHarness();
    seedJoinedHost(harness);
    harness.http.reply(NODE_URL, { body: nodeJson({ status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready' }) });
    const { stdout } = await harness.run(['status']);
    expect(stdout).toMatch(/^ready +not Ready: Ready=False \(KubeletNotReady: container runtime network not ready\)$/m);
    harness.http.reply(NODE_URL, { status: 403, body: '{}' });
    expect((await statusJson(harness)).node.api.state).toBe('refused');
  });

  it('reports a failed last run with its step and message, and a tunnel without handshake', async () => {
    const harness = makeHarness();
    seedJoinedHost(harness, {
      ...JOINED_STATE,
      lastRun: { command: 'join', startedAt: '2026-11-22T09:49:00.000Z', finishedAt: '2026-11-22T09:49:40.000Z', result: 'failed', failedStep: 'wireguard', message: 'no WireGuard handshake on kjoin0 within 120 s' },
    });
    harness.exec.on('wg', { stdout: `${PEER}\t0` });
    const { stdout } = await harness.run(['status']);
    expect(stdout).toMatch(/^last run +join failed at 2026-11-22T09:49:40.000Z \(took 40 s\) at step wireguard: no WireGuard handshake on kjoin0 within 120 s$/m);
    expect(stdout).toMatch(/^wireguard +kjoin0 up, xTIBA5rb… no handshake yet$/m);
  });

  it('notices a kubelet that differs from the recorded version', async () => {
    const harness = makeHarness();
    seedJoinedHost(harness);
    harness.exec.on('kubelet', { stdout: 'Kubernetes v1.30.6' });
    expect((await harness.run(['status'])).stdout).toMatch(/^kubelet +1\.30\.6 \(state\.json records 1\.31\.2\)$/m);
  });
});

describe('kjoin status elsewhere', () => {
  it('on a fresh host says "not joined", exits 0 and never touches the network', async () => {
    const harness = makeHarness();
    const { stdout, error } = await harness.run(['status']);
    expect(error).toBeUndefined();
    expect(stdout.split('\n')[0]).toBe(NOT_JOINED);
    expect(stdout).toMatch(/^kubelet +not installed$/m);
    expect(stdout).toMatch(/^services +containerd not installed, kubelet not installed$/m);
    expect(stdout).toMatch(/^wireguard +no tunnel$/m);
    expect(harness.httpMade).toBe(false);
    const status = await statusJson(harness);
    expect(status).toMatchObject({ joined: false, stateFile: 'missing', lastRun: null, wireguard: [], node: { name: null, bootstrapped: false, api: { state: 'no-credential' } } });
  });

  it('as non-root: reports what it can see and says which parts need root', async () => {
    /** A non-root view: 0600 files are unreadable, and nothing under the 0700 /var/lib/kjoin can even be stat'ed. */
    class NonRootFileSystem extends MemoryFileSystem {
      override async readTextOrNull(file: string): Promise<string | null> {
        const entry = this.files.get(file);
        return entry && (entry.mode & 0o004) === 0 ? null : super.readTextOrNull(file);
      }
      override async stat(file: string) {
        return file.startsWith('/var/lib/kjoin/') ? null : super.stat(file);
      }
    }
    const harness = makeHarness({ isRoot: false });
    harness.fs = new NonRootFileSystem();
    seedJoinedHost(harness);
    harness.exec.on('wg', { exitCode: 1, stderr: 'Unable to access interface: Operation not permitted' });
    const status = await statusJson(harness);
    expect(status.stateFile).toBe('unreadable');
    expect(status.stateError).toContain('run kjoin status as root');
    expect(status.joined).toBe(true); // kubelet.conf exists: the kubelet has its credential
    expect(status.node.api.state).toBe('credential-unreadable');
    expect(status.versions.kubelet).toBe('1.31.2');
    expect(status.wireguard[0]).toMatchObject({ interface: 'kjoin0', present: true, error: 'wg show failed: Unable to access interface: Operation not permitted' });
    expect(harness.httpMade).toBe(false);
  });

  it('reports a damaged state.json instead of failing', async () => {
    const harness = makeHarness();
    harness.fs.put(STATE_FILE, '{"version": 1, "components": ', 0o600);
    const status = await statusJson(harness);
    expect(status.stateFile).toBe('damaged');
    expect(status.stateError).toContain('not valid JSON');
  });
});

describe('parseVersionOutput', () => {
  it.each([
    ['Kubernetes v1.31.2', '1.31.2'],
    ['containerd github.com/containerd/containerd v1.7.24 88bf19b2105c8b17560993bee28a01ddc2f97182', '1.7.24'],
    ['containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u1', '1.6.20~ds1'],
    ['containerd containerd.io 1.7.25 bcc810d6b9066471b0b6fa75f557a15a1cbf31bb', '1.7.25'],
    ['command not found', null],
  ])('%s → %s', (output, version) => {
    expect(parseVersionOutput(output)).toBe(version);
  });
});
