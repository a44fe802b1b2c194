import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addTableOptions } from '../../../src/cli/commander-options.js';
import { createCommandEnv } from '../../../src/cli/command-env.js';
import { registerLeave } from '../../../src/cli/leave.js';
import { printError } from '../../../src/cli/print-error.js';
import { registerReset } from '../../../src/cli/reset.js';
import { GLOBAL_OPTIONS } from '../../../src/config/options.js';
import type { FakeReply } from '../../../src/io/http.js';
import { FakeNetwork } from '../../../src/io/net.js';
import { SCALEWAY_CACHE_PATH } from '../../../src/providers/scaleway-cache.js';
import { captureIo } from '../../support/cli-io.js';
import { RecordingHttp, SERVER } from '../steps/cluster-fixtures.js';
import { makeDebianFacts } from '../steps/step-context.js';
import { NODE, makeJoinedHost, nodePki, type JoinedHost } from './joined-host.js';

const STATE = '/var/lib/kjoin/state.json';
const NODE_URL = `${SERVER}/api/v1/nodes/${NODE}`;
const SCW_KEY = '3f6c1a52-8e1b-4c2d-9a7f-5b0e4d3c2a19';
const KOSMOS = { nodeId: '8d3a2c4e-7b1f-4e6a-9c5d-2f0b1a3e4d5c', poolId: '5e1d7c3b-2a4f-4b8e-8d6c-9f0a1b2c3d4e', region: 'fr-par', apiUrl: 'https://api.scaleway.com' };
const KOSMOS_URL = `https://api.scaleway.com/k8s/v1/regions/fr-par/nodes/${KOSMOS.nodeId}`;
/** A Kosmos join: the scaleway provider's settings instead of kubeadm's, the node named by the metadata. */
const KOSMOS_JOIN = {
  flags: { server: undefined, discoveryTokenCaCertHash: undefined, provider: 'scaleway', poolId: KOSMOS.poolId, poolRegion: 'fr-par', nodeName: 'scw-kosmos-worker-1' },
  cluster: { registration: KOSMOS, nodeName: 'scw-kosmos-worker-1' },
};

/** What a v1.31 API server answers to DELETE /api/v1/nodes/<name>. */
const DELETED: FakeReply = { status: 200, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: NODE, kind: 'nodes', uid: '5b1f6a8e-3d0c-4c6e-9d8f-2f4b7c1a9e30' } }) };
const NOT_FOUND: FakeReply = { status: 404, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `nodes "${NODE}" not found`, reason: 'NotFound', details: { name: NODE, kind: 'nodes' }, code: 404 }) };
const FORBIDDEN: FakeReply = {
  status: 403,
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `nodes "${NODE}" is forbidden: User "system:node:${NODE}" cannot delete resource "nodes" in API group "" at the cluster scope`, reason: 'Forbidden', code: 403 }),
};

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `kjoin <args>` with reset and leave registered, over the joined host's fakes, as bin/kjoin.ts would. */
async function runKjoin(h: JoinedHost, http: RecordingHttp, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const { io, stdout, stderr } = captureIo({ env: { KJOIN_OUTPUT: 'plain', ...env }, isRoot: true });
  const commandEnv = createCommandEnv(io, {
    makePorts: () => ({ fs: h.fs, exec: h.exec, clock: h.clock, net: new FakeNetwork(), systemd: h.systemd, makeHttp: async () => http }),
    detect: async () => makeDebianFacts(),
  });
  const program = addTableOptions(new Command('kjoin').exitOverride(), GLOBAL_OPTIONS);
  registerReset(program, commandEnv);
  registerLeave(program, commandEnv);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { exitCode: 0, stdout: stdout(), stderr: stderr() };
  } catch (error) {
    const exitCode = printError(error, io.stderr);
    return { exitCode, stdout: stdout(), stderr: stderr() };
  }
}

async function joined(options: Parameters<typeof makeJoinedHost>[0] = {}): Promise<{ h: JoinedHost; http: RecordingHttp }> {
  const h = await makeJoinedHost(options);
  return { h, http: new RecordingHttp(h.fs) };
}

describe('kjoin reset (command)', () => {
  it('resets, then says "nothing to reset" and exits 0 on the second run', async () => {
    const { h, http } = await joined();
    const first = await runKjoin(h, http, ['reset']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/reset-files: removing \/usr\/local\/bin\/kubelet$/m);
    expect(first.stdout).toMatch(/kjoin: reset finished; kept 1 path\(s\), listed above/);
    expect(await h.fs.exists(STATE)).toBe(false);

    const second = await runKjoin(h, http, ['reset']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/kjoin: nothing to reset: no \/var\/lib\/kjoin\/state.json on this host$/m);
  });

  it('--dry-run prints the plan, takes no lock and writes nothing (not even the log)', async () => {
    const { h, http } = await joined();
    const writes = h.fs.writes.length;
    const files = [...h.fs.files.keys()];
    const out = await runKjoin(h, http, ['reset', '--dry-run']);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain('reset-units:   stop and disable kubelet.service');
    expect(out.stdout).toContain('reset-files:   restore /etc/containerd/config.toml from /var/lib/kjoin/backup/etc/containerd/config.toml (mode 0640)');
    expect(out.stdout).toContain('dry run finished: nothing was changed');
    expect(h.fs.writes.length).toBe(writes);
    expect([...h.fs.files.keys()]).toEqual(files);
  });

  it('exits 6 without touching the host while another run holds the lock', async () => {
    const { h, http } = await joined();
    h.fs.put('/run/kjoin/lock', `${process.pid}\n`);
    const calls = h.systemd.calls.length;
    const out = await runKjoin(h, http, ['reset']);
    expect(out.exitCode).toBe(6);
    expect(out.stderr).toContain(`another kjoin run (PID ${process.pid}) is working on this host`);
    expect(h.systemd.calls.length).toBe(calls);
    expect(await h.fs.exists(STATE)).toBe(true);
  });
});

describe('kjoin leave (kubeadm and file joins)', () => {
  it('deletes the Node as the node itself, then resets', async () => {
    const { h, http } = await joined();
    http.replyTo('DELETE', NODE_URL, DELETED);
    const out = await runKjoin(h, http, ['leave']);

    expect(out.exitCode).toBe(0);
    expect(http.requests.map((r) => [r.method, r.url])).toEqual([['DELETE', NODE_URL]]);
    const request = http.requests[0]!;
    expect(request.ca).toBe(nodePki().caPem);
    expect(request.clientCert?.cert).toContain(nodePki().certPem.trim());
    expect(request.clientCert?.key).toContain(nodePki().keyPem.trim());
    expect(out.stdout).toMatch(/leave-cluster: node worker-1 deleted from the cluster .*\[OK\]/);
    expect(out.stdout).toMatch(/kjoin: node worker-1 left the cluster; reset finished/);
    expect(await h.fs.exists(STATE)).toBe(false);
    expect(h.systemd.unit('kubelet')!.active).toBe(false);
  });

  it('counts a 404 as already gone', async () => {
    const { h, http } = await joined();
    http.replyTo('DELETE', NODE_URL, NOT_FOUND);
    const out = await runKjoin(h, http, ['leave']);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain('node worker-1 was already gone from the cluster');
    expect(await h.fs.exists(STATE)).toBe(false);
  });

  it('unreachable API server: prints the manual command, exits 1 and leaves the host as it was', async () => {
    const { h, http } = await joined();
    http.replyTo('DELETE', NODE_URL, { networkError: 'ECONNREFUSED' });
    const calls = h.systemd.calls.length;
    const out = await runKjoin(h, http, ['leave']);

    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('kjoin: error: leave-cluster: could not delete node worker-1: DELETE');
    expect(out.stderr).toContain('  kubectl delete node worker-1\n');
    expect(out.stderr).toContain('hint: then run kjoin reset, or run kjoin leave --force to reset this host now');
    expect(h.systemd.calls.length).toBe(calls);
    expect(await h.fs.exists(STATE)).toBe(true);
    expect(await h.fs.exists('/usr/local/bin/kubelet')).toBe(true);
  });

  it('a refused credential is no reason to continue either', async () => {
    const { h, http } = await joined();
    http.replyTo('DELETE', NODE_URL, FORBIDDEN);
    const out = await runKjoin(h, http, ['leave']);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain("could not delete node worker-1: the API server refused the node's own credential (HTTP 403)");
    expect(await h.fs.exists(STATE)).toBe(true);
  });

  it('--force resets anyway and still prints the manual step last', async () => {
    const { h, http } = await joined();
    http.replyTo('DELETE', NODE_URL, { networkError: 'ECONNREFUSED' });
    const out = await runKjoin(h, http, ['leave', '--force']);

    expect(out.exitCode).toBe(0);
    expect(await h.fs.exists(STATE)).toBe(false);
    expect(out.stdout).toContain('node worker-1 NOT removed from the cluster; reset finished');
    expect(out.stderr).toBe('kjoin: warning: node worker-1 may still be in the cluster; remove it by hand:\n  kubectl delete node worker-1\n');
  });

  it('without the kubelet credential it names the node from the drop-in or hostname and asks for the manual step', async () => {
    const { h, http } = await joined();
    await h.fs.remove('/etc/kubernetes/kubelet.conf');
    const out = await runKjoin(h, http, ['leave']);
    expect(out.exitCode).toBe(1);
    expect(http.requests).toEqual([]);
    expect(out.stderr).toContain('cannot delete node worker-1: there is no node credential at /etc/kubernetes/kubelet.conf');
    expect(out.stderr).toContain('  kubectl delete node worker-1\n');
  });
});

describe('kjoin leave on a host that never joined', () => {
  it('has nothing to leave and nothing to reset, and exits 0', async () => {
    const { h, http } = await joined();
    await runKjoin(h, http, ['reset']);
    await h.fs.remove('/etc/kubernetes/kubelet.conf');
    const out = await runKjoin(h, http, ['leave']);
    expect(out.exitCode).toBe(0);
    expect(http.requests).toEqual([]);
    expect(out.stdout).toContain('nothing to leave: this host has no kjoin state and no node credential');
    expect(out.stdout).toContain('kjoin: not a cluster node; nothing to reset');
  });
});

describe('kjoin leave (Scaleway Kosmos)', () => {
  it('deletes the Kosmos node with SCW_SECRET_KEY, never printing the key, then resets', async () => {
    const { h, http } = await joined(KOSMOS_JOIN);
    h.fs.put(SCALEWAY_CACHE_PATH, JSON.stringify({ poolId: KOSMOS.poolId, region: 'fr-par', nodeSecretKey: 'node-secret', metadataUrl: 'https://api.scaleway.com/k8s/v1/regions/fr-par/external-nodes/metadata', nodeId: KOSMOS.nodeId }), 0o600);
    http.replyTo('DELETE', KOSMOS_URL, { status: 200, body: JSON.stringify({ id: KOSMOS.nodeId, pool_id: KOSMOS.poolId, region: 'fr-par', name: 'scw-kosmos-worker-1', status: 'deleting' }) });
    const out = await runKjoin(h, http, ['leave'], { SCW_SECRET_KEY: SCW_KEY });

    expect(out.exitCode).toBe(0);
    expect(http.requests.map((r) => [r.method, r.url, r.headers?.['x-auth-token']])).toEqual([['DELETE', KOSMOS_URL, SCW_KEY]]);
    expect(out.stdout).toContain(`Kosmos node ${KOSMOS.nodeId} (fr-par) deleted from pool ${KOSMOS.poolId}`);
    expect(`${out.stdout}${out.stderr}`).not.toContain(SCW_KEY);
    expect(await h.fs.exists(SCALEWAY_CACHE_PATH)).toBe(false);
    expect(await h.fs.exists(STATE)).toBe(false);
  });

  it('without SCW_SECRET_KEY it prints the scw command and exits 1', async () => {
    const { h, http } = await joined(KOSMOS_JOIN);
    const out = await runKjoin(h, http, ['leave']);
    expect(out.exitCode).toBe(1);
    expect(http.requests).toEqual([]);
    expect(out.stderr).toContain('SCW_SECRET_KEY is not set');
    expect(out.stderr).toContain(`  scw k8s node delete ${KOSMOS.nodeId} region=fr-par\n`);
    expect(await h.fs.exists(STATE)).toBe(true);
  });
});
