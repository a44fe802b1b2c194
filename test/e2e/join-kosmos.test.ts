import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startControlPlane, type ControlPlane } from '../doubles/control-plane/server.js';
import { cniPluginsArtifact, kubeletArtifacts, startMirror, type Mirror } from '../doubles/mirror/server.js';
import { bootBox, ensureRootfs, type Box } from './box/index.js';
import { enableKubeletRegistration, installKjoin, KJOIN_IN_BOX, parseEvents, type JoinEvent, prepareHostSysctls } from './kjoin-in-box.js';

/**
 * The Kosmos join (--provider scaleway) on a freshly booted Debian 12 box: the control-plane double fronts
 * the Scaleway k8s/v1 API on the same port, kjoin registers with SCW_SECRET_KEY, reads the node metadata with
 * node_secret_key, and the kubelet double TLS-bootstraps with node_secret_key as its bearer token. A re-run
 * reuses the cached registration; a wrong key is refused with nothing written; no secret leaks anywhere.
 */

const MINUTE = 60_000;
const VERSION = '1.31.2';
const POOL_ID = '5d8e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a';
const REGION = 'fr-par';
const SCW_SECRET_KEY = randomUUID();
const POOL_LABELS = { 'k8s.scaleway.com/pool-name': 'edge', 'k8s.scaleway.com/external-node': 'true', 'topology.kubernetes.io/region': REGION };
const POOL_TAINT = { key: 'k8s.scaleway.com/external', value: 'true', effect: 'NoSchedule' } as const;
// The double's serving certificate comes from its private CA. A real Scaleway API (api.scaleway.com) has a
// publicly trusted certificate, so this is the test's only addition to kjoin's environment.
const DOUBLE_CA_IN_BOX = '/usr/local/share/ca-certificates/kosmos-double.crt';

let mirror: Mirror;
let plane: ControlPlane;
let box: Box;
let spare: Box;

function joinArgs(): string[] {
  return [KJOIN_IN_BOX, 'join', '--provider', 'scaleway', '--output', 'json', '--mirror', mirror.url, '--label', 'provider=lab', '--taint', 'dedicated=edge:NoSchedule', '--ready-timeout', '120'];
}

/** The Scaleway settings go through the environment, as Scaleway's agent takes them; the key never in argv. */
function joinEnv(secretKey: string): Record<string, string> {
  return { POOL_ID, POOL_REGION: REGION, SCW_SECRET_KEY: secretKey, SCW_API_URL: plane.url, NODE_EXTRA_CA_CERTS: DOUBLE_CA_IN_BOX };
}

const countAuthCalls = () => plane.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/external-nodes/auth')).length;

/** `secret` must be nowhere kjoin writes: its log, state, temp dirs, its output; `exclude` names files meant to hold it. */
async function expectNoLeak(target: Box, secret: string, outputs: string[], exclude = '/nonexistent'): Promise<void> {
  for (const text of outputs) expect(text).not.toContain(secret);
  const script = 'grep -rlF --exclude="$(basename "$2")" -- "$1" /var/log/kjoin.log /var/lib/kjoin /tmp /var/tmp /run/kjoin 2>/dev/null; true';
  const grep = await target.exec(['sh', '-c', script, 'grep', secret, exclude]);
  expect(grep.stdout.trim()).toBe('');
}

beforeAll(async () => {
  await prepareHostSysctls();
  const rootfs = await ensureRootfs({ suite: 'bookworm', arch: 'amd64' });
  mirror = await startMirror({ artifacts: [...kubeletArtifacts(VERSION, ['amd64']), ...cniPluginsArtifact('1.5.1', 'amd64')] });
  plane = await startControlPlane({
    version: VERSION,
    kosmos: { region: REGION, poolId: POOL_ID, secretKey: SCW_SECRET_KEY, clusterName: 'lab', poolName: 'edge', nodeLabels: POOL_LABELS, nodeTaints: [POOL_TAINT], kubeletConfig: { clusterDNS: ['10.32.0.10'], clusterDomain: 'cluster.local', maxPods: 58 } },
  });
  [box, spare] = await Promise.all([bootBox({ rootfs, name: 'kosmos' }), bootBox({ rootfs, name: 'kosmos-refused' })]);
  for (const target of [box, spare]) {
    await installKjoin(target);
    const ca = await target.exec(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'write-ca', DOUBLE_CA_IN_BOX], { input: plane.caPem });
    expect(ca.exitCode, ca.stderr).toBe(0);
    await enableKubeletRegistration(target);
  }
}, 20 * MINUTE);

afterAll(async () => {
  await Promise.all([box?.stop(), spare?.stop()]);
  await plane?.close();
  await mirror?.close();
}, 2 * MINUTE);

describe('kjoin join --provider scaleway against the Kosmos double (fresh Debian 12 box)', () => {
  it('refuses a wrong SCW_SECRET_KEY with exit 4, registering and writing nothing', async () => {
    const wrong = randomUUID();
    const result = await spare.exec(joinArgs(), { env: joinEnv(wrong), timeoutMs: 5 * MINUTE });
    expect(result.exitCode, result.stderr).toBe(4);
    expect(result.stderr).toContain('SCW_SECRET_KEY');
    expect(plane.kosmos?.nodes()).toEqual([]);
    expect((await spare.exec(['test', '-e', '/etc/kubernetes'])).exitCode).toBe(1);
    expect((await spare.exec(['test', '-e', '/var/lib/kjoin/scaleway-node.json'])).exitCode).toBe(1);
    await expectNoLeak(spare, wrong, [result.stdout, result.stderr]);
  }, 10 * MINUTE);

  let firstRun: JoinEvent[] = [];
  it('joins: the Kosmos-named Node is Ready with the pool labels and taints, bootstrapped with node_secret_key', async () => {
    const authCallsBefore = countAuthCalls(); // the refused attempt above made one
    const result = await box.exec(joinArgs(), { env: joinEnv(SCW_SECRET_KEY), timeoutMs: 15 * MINUTE });
    expect(result.exitCode, result.stderr + result.stdout.slice(-3000)).toBe(0);
    firstRun = parseEvents(result.stdout);
    expect(firstRun.at(-1)).toMatchObject({ type: 'run-end', status: 'ok' });
    const ends = firstRun.filter((e) => e.type === 'step-end');
    expect(ends.filter((e) => e.status !== 'ok' && e.status !== 'no-change')).toEqual([]);
    expect(ends.filter((e) => e.status === 'ok').map((e) => e.step)).toEqual(expect.arrayContaining(['kubelet', 'register', 'start-kubelet', 'wait-ready']));
    expect(countAuthCalls() - authCallsBefore).toBe(1);

    const [kosmosNode, ...others] = plane.kosmos?.nodes() ?? [];
    expect(others).toEqual([]);
    expect(kosmosNode).toMatchObject({ poolId: POOL_ID, region: REGION, status: 'ready' });
    const { id, name } = kosmosNode!;
    const node = plane.node(name) as { metadata: { labels: Record<string, string> }; spec: { taints?: Array<{ key: string }>; providerID?: string }; status: { conditions: Array<{ type: string; status: string }> } };
    expect(node, `node ${name} registered`).toBeDefined();
    expect(node.metadata.labels).toMatchObject({ ...POOL_LABELS, provider: 'lab', 'kubernetes.io/hostname': name });
    expect([...(node.spec.taints ?? [])].sort((a, b) => a.key.localeCompare(b.key))).toEqual([{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }, POOL_TAINT]);
    expect(node.spec.providerID).toBe(`kosmos://${id}`);
    expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(parseYaml(await box.readFile('/var/lib/kubelet/config.yaml'))).toMatchObject({ maxPods: 58, clusterDNS: ['10.32.0.10'] });

    // The kubelet's client certificate was asked for with node_secret_key, not with the metadata's kube_token.
    const kubeletCsrs = plane.csrs().filter((c) => (c.spec as { signerName?: string }).signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
    expect(kubeletCsrs.map((c) => (c.spec as { username?: string }).username)).toEqual([`system:bootstrap:kosmos-${id}`]);

    expect((await box.exec(['stat', '-c', '%a', '/var/lib/kjoin/scaleway-node.json', '/etc/kubernetes/kubelet.conf'])).stdout.trim().split('\n')).toEqual(['600', '600']);
    expect((await box.exec(['test', '-e', '/etc/kubernetes/bootstrap-kubelet.conf'])).exitCode).toBe(1);
    const cache = JSON.parse(await box.readFile('/var/lib/kjoin/scaleway-node.json')) as { nodeSecretKey: string; nodeId?: string };
    expect(cache).toMatchObject({ poolId: POOL_ID, region: REGION, nodeId: id });
    await expectNoLeak(box, SCW_SECRET_KEY, [result.stdout, result.stderr]);
    await expectNoLeak(box, cache.nodeSecretKey, [result.stdout, result.stderr, await box.readFile('/var/lib/kjoin/state.json')], '/var/lib/kjoin/scaleway-node.json');
    expect(JSON.stringify(plane.requests)).not.toContain(cache.nodeSecretKey);
  }, 20 * MINUTE);

  it('reports no change on a second run and reuses the cached registration (no second /auth)', async () => {
    expect(firstRun.length, 'the join ran').toBeGreaterThan(0);
    const metadataReads = plane.requests.filter((r) => r.path.endsWith('/metadata')).length;
    const authCallsBefore = countAuthCalls();
    const result = await box.exec(joinArgs(), { env: joinEnv(SCW_SECRET_KEY), timeoutMs: 5 * MINUTE });
    expect(result.exitCode, result.stderr).toBe(0);
    const ends = parseEvents(result.stdout).filter((e) => e.type === 'step-end');
    // Steps running side by side may end in another order than on the first run.
    expect(ends.map((e) => [e.step, e.status]).sort()).toEqual(firstRun.filter((e) => e.type === 'step-end').map((e) => [e.step, 'no-change']).sort());
    expect(countAuthCalls()).toBe(authCallsBefore);
    expect(plane.requests.filter((r) => r.path.endsWith('/metadata')).length).toBeGreaterThan(metadataReads);
    expect(plane.kosmos?.nodes()).toHaveLength(1);
    const cache = JSON.parse(await box.readFile('/var/lib/kjoin/scaleway-node.json')) as { nodeSecretKey: string };
    await expectNoLeak(box, SCW_SECRET_KEY, [result.stdout, result.stderr]);
    await expectNoLeak(box, cache.nodeSecretKey, [result.stdout, result.stderr], '/var/lib/kjoin/scaleway-node.json');
  }, 10 * MINUTE);
});
