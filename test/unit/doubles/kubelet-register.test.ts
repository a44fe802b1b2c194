import { spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PATHS, renderBootstrapKubeconfig, renderKubeletConfig, renderKubeletDropIn, type KubeletDropInInput } from '../../../src/render/index.js';
import { callApi } from '../../doubles/control-plane/client.js';
import { startControlPlane, type ControlPlane } from '../../doubles/control-plane/server.js';
import { buildKubeletDouble } from '../../doubles/kubelet/build.js';
import { resolveExecStart } from '../../doubles/kubelet/systemd-exec.js';

/**
 * The kubelet double as a real process over a fake root, fed the command line and files kjoin renders, doing
 * TLS bootstrap, Node registration and status updates against the control-plane double on 127.0.0.1.
 */

const TOKEN_SECRET = '0123456789abcdef';
const TOKEN = `abcdef.${TOKEN_SECRET}`;
const NODE: KubeletDropInInput = {
  nodeName: 'worker-1.example',
  nodeIps: ['10.0.0.5', 'fd00::5'],
  nodeLabels: { 'kjoin.io/provider': 'kubeadm', 'topology.kubernetes.io/zone': 'fr-par-1' },
  extraArgs: { 'cloud-provider': 'external' },
};
const TAINTS = [{ key: 'dedicated', value: 'edge', effect: 'NoExecute' as const }];

let cp: ControlPlane;
let work: string;
let script: string;
let caseNo = 0;
const children: ChildProcess[] = [];
const sockets: Server[] = [];

beforeAll(async () => {
  cp = await startControlPlane({ version: '1.31.2', tokens: [{ id: 'abcdef', secret: TOKEN_SECRET }] });
  work = mkdtempSync(join(tmpdir(), 'kjoin-kubelet-register-'));
  script = join(work, 'kubelet.mjs');
  writeFileSync(script, buildKubeletDouble('1.31.2'), { mode: 0o755 });
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await cp.close();
  rmSync(work, { recursive: true, force: true });
});

interface Host {
  root: string;
  path(hostPath: string): string;
}

/** What kjoin leaves before starting the kubelet, plus a listening containerd socket. */
async function prepareHost(): Promise<Host> {
  const root = join(work, `h${++caseNo}`);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, { mode: 0o600 });
  };
  write(PATHS.clusterCa, cp.caPem);
  write(PATHS.bootstrapKubeconfig, renderBootstrapKubeconfig({ server: cp.url, caPem: cp.caPem, token: TOKEN }));
  write(PATHS.kubeletConfig, renderKubeletConfig({ systemdCgroup: true, systemdResolved: false, clusterDNS: ['10.96.0.10'], taints: TAINTS, providerID: 'kjoin://worker-1' }));
  write('/proc/swaps', 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n');
  mkdirSync(join(root, dirname(PATHS.containerdSocket)), { recursive: true });
  const socket = createServer();
  await new Promise<void>((resolve) => socket.listen(join(root, PATHS.containerdSocket), resolve));
  sockets.push(socket);
  return { root, path: (p) => join(root, p) };
}

interface Kubelet {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startKubelet(host: Host): Kubelet {
  const argv = resolveExecStart(renderKubeletDropIn(NODE)).argv.slice(1);
  const child = spawn(process.execPath, [script, ...argv], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      KUBELET_DOUBLE_ROOT: host.root,
      KUBELET_DOUBLE_STATUS: host.path('/status.json'),
      KUBELET_DOUBLE_PROC_SWAPS: host.path('/proc/swaps'),
      KUBELET_DOUBLE_REGISTER: '1',
      KUBELET_DOUBLE_REQUIRE_CRI: '1',
      KUBELET_DOUBLE_STATUS_INTERVAL_MS: '150',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, kubelet: Kubelet, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; kubelet said:\n${kubelet.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Condition = { type: string; status: string; reason?: string; lastHeartbeatTime?: string };
const readyOf = (name: string): Condition | undefined =>
  ((cp.node(name)?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready');

describe('kubelet double registration against the control-plane double', () => {
  it('bootstraps a client certificate, registers the Node with its labels and taints, and reports Ready', async () => {
    const host = await prepareHost();
    cp.setFault('fail-times:2'); // the first API calls fail; the kubelet retries instead of exiting
    const kubelet = startKubelet(host);
    const ready = await waitFor('Ready=True', () => readyOf('worker-1.example')?.status === 'True' && readyOf('worker-1.example'), kubelet);
    expect(ready).toMatchObject({ reason: 'KubeletReady' });
    expect(kubelet.output()).toContain('the server is currently unable to handle the request');

    const node = cp.node('worker-1.example') as { metadata: { labels: Record<string, string> }; spec: { taints: unknown[]; providerID: string }; status: { addresses: unknown[] } };
    expect(node.metadata.labels).toEqual({
      'beta.kubernetes.io/arch': expect.any(String),
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': expect.any(String),
      'kubernetes.io/hostname': 'worker-1.example',
      'kubernetes.io/os': 'linux',
      'kjoin.io/provider': 'kubeadm',
      'topology.kubernetes.io/zone': 'fr-par-1',
    });
    expect(node.spec.taints).toEqual([...TAINTS, { key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' }]);
    expect(node.spec.providerID).toBe('kjoin://worker-1');
    // Both InternalIPs survive: they come with the create, and status patches leave addresses alone.
    expect(node.status.addresses).toEqual([{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'InternalIP', address: 'fd00::5' }, { type: 'Hostname', address: 'worker-1.example' }]);
    expect(cp.csrs()).toHaveLength(1);
    expect(cp.csrs()[0]).toMatchObject({ metadata: { name: expect.stringMatching(/^node-csr-/) }, spec: { username: 'system:bootstrap:abcdef' } });

    // kubelet.conf and the client certificate, private, and accepted by the API server as the node.
    expect(statSync(host.path(PATHS.kubeletKubeconfig)).mode & 0o777).toBe(0o600);
    const pemPath = host.path('/var/lib/kubelet/pki/kubelet-client-current.pem');
    expect(lstatSync(pemPath).isSymbolicLink()).toBe(true);
    expect(statSync(pemPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(host.path(PATHS.kubeletKubeconfig), 'utf8')).toContain('client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem');
    const pem = readFileSync(pemPath, 'utf8');
    const asNode = await callApi(cp.url, '/api/v1/nodes/worker-1.example', { ca: cp.caPem, cert: pem, key: pem });
    expect(asNode.status).toBe(200);
    expect(cp.requests.at(-1)?.identity).toBe('system:node:worker-1.example');
    expect(JSON.parse(readFileSync(host.path('/status.json'), 'utf8'))).toMatchObject({ registered: true, csrName: expect.stringMatching(/^node-csr-/) });

    // containerd goes away: the next status update says NotReady, with kubelet's reason.
    sockets.splice(0).forEach((s) => s.close());
    const notReady = await waitFor('Ready=False', () => readyOf('worker-1.example')?.status === 'False' && readyOf('worker-1.example'), kubelet);
    expect(notReady).toMatchObject({ reason: 'KubeletNotReady', message: expect.stringContaining('container runtime is down') });

    expect(kubelet.output()).not.toContain(TOKEN_SECRET);
    kubelet.child.kill('SIGTERM');
    expect(await kubelet.exited).toBe(0);
  });

  it('reuses kubelet.conf on restart: no new CSR, the existing Node keeps getting status updates', async () => {
    const host = await prepareHost();
    const first = startKubelet(host);
    const before = cp.csrs().length;
    await waitFor('Ready', () => readyOf('worker-1.example')?.status === 'True' && cp.csrs().length > before, first);
    first.child.kill('SIGTERM');
    await first.exited;
    const csrCount = cp.csrs().length;
    const heartbeat = readyOf('worker-1.example')?.lastHeartbeatTime;

    // A bootstrap token that no longer works: the restart must not need it.
    writeFileSync(host.path(PATHS.bootstrapKubeconfig), renderBootstrapKubeconfig({ server: cp.url, caPem: cp.caPem, token: 'abcdef.ffffffffffffffff' }));
    const second = startKubelet(host);
    await waitFor('a newer heartbeat', () => (readyOf('worker-1.example')?.lastHeartbeatTime ?? '') > (heartbeat ?? ''), second, 5000);
    expect(cp.csrs()).toHaveLength(csrCount);
    expect(second.output()).toContain('Successfully registered node');
    expect(second.output()).not.toContain('Unable to register node');
  });

  it('keeps retrying, logging the API server\'s reason, while the bootstrap token is refused', async () => {
    const host = await prepareHost();
    writeFileSync(host.path(PATHS.bootstrapKubeconfig), renderBootstrapKubeconfig({ server: cp.url, caPem: cp.caPem, token: 'zzzzzz.ffffffffffffffff' }));
    const kubelet = startKubelet(host);
    await waitFor('two refused attempts', () => (kubelet.output().match(/Unauthorized/g) ?? []).length >= 2, kubelet);
    expect(kubelet.child.exitCode).toBeNull();
    expect(kubelet.output()).not.toContain('ffffffffffffffff');
  });
});
