import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applyDiscovery, discoverCluster } from '../../../src/cli/discover.js';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import { FakeClock } from '../../../src/io/clock.js';
import { FakeHttp } from '../../../src/io/http.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import type { EventInput } from '../../../src/progress/events.js';
import type { ClusterDiscovery } from '../../../src/providers/types.js';
import { clusterPki, makeCluster } from '../steps/cluster-fixtures.js';
import { loadTestConfig, makeDebianFacts } from '../steps/step-context.js';

function discovery(overrides: Partial<ClusterDiscovery> = {}): ClusterDiscovery {
  return makeCluster({ kubernetesVersion: '1.31.2', ...overrides });
}

function refusal(run: () => unknown): KjoinError {
  try {
    run();
  } catch (error) {
    if (isKjoinError(error)) return error;
    throw error;
  }
  throw new Error('expected a KjoinError, nothing was thrown');
}

describe('applyDiscovery', () => {
  it('returns the configuration unchanged without a discovery (register phase skipped)', async () => {
    const config = await loadTestConfig({ flags: { label: ['tier=edge'] } });
    expect(applyDiscovery(config, makeDebianFacts(), null)).toBe(config);
  });

  it('puts the operator labels over the provider labels, key by key', async () => {
    const config = await loadTestConfig({ flags: { label: ['tier=edge', 'example.com/team=ops'] } });
    const provider = discovery({ labels: { tier: 'pool-default', 'topology.kubernetes.io/region': 'fr-par', 'k8s.scaleway.com/pool-name': 'edge' } });
    expect(applyDiscovery(config, makeDebianFacts(), provider).node.labels).toEqual({
      tier: 'edge',
      'example.com/team': 'ops',
      'topology.kubernetes.io/region': 'fr-par',
      'k8s.scaleway.com/pool-name': 'edge',
    });
  });

  it('lets an operator taint replace the provider taint of the same key and effect only', async () => {
    const config = await loadTestConfig({ flags: { taint: ['dedicated=gpu:NoSchedule'] } });
    const provider = discovery({
      taints: [
        { key: 'dedicated', value: 'kosmos', effect: 'NoSchedule' },
        { key: 'dedicated', value: 'kosmos', effect: 'NoExecute' },
        { key: 'node.example.com/external', effect: 'PreferNoSchedule' },
      ],
    });
    const taints = applyDiscovery(config, makeDebianFacts(), provider).node.taints;
    expect(taints).toHaveLength(3);
    expect(taints).toContainEqual({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' });
    expect(taints).toContainEqual({ key: 'dedicated', value: 'kosmos', effect: 'NoExecute' });
    expect(taints).toContainEqual({ key: 'node.example.com/external', effect: 'PreferNoSchedule' });
  });

  it('names the node: the provider name, else --node-name, else the hostname', async () => {
    const facts = makeDebianFacts({ hostname: 'debian-vm' });
    const named = await loadTestConfig({ flags: { nodeName: 'edge-7' } });
    const unnamed = await loadTestConfig();
    expect(applyDiscovery(named, facts, discovery({ nodeName: 'scw-kosmos-edge-3f9c1a' })).node.name).toBe('scw-kosmos-edge-3f9c1a');
    expect(applyDiscovery(named, facts, discovery()).node.name).toBe('edge-7');
    expect(applyDiscovery(unnamed, facts, discovery()).node.name).toBe('debian-vm');
    expect(applyDiscovery(unnamed, makeDebianFacts({ hostname: '' }), discovery()).node.name).toBeUndefined();
  });

  it('refuses a provider label the NodeRestriction admission plugin would reject, listing it', async () => {
    const config = await loadTestConfig({ flags: { label: ['tier=edge'] } });
    const provider = discovery({ labels: { 'node-role.kubernetes.io/worker': '', 'topology.kubernetes.io/zone': 'fr-par-2' } });
    const error = refusal(() => applyDiscovery(config, makeDebianFacts(), provider));
    expect(error.code).toBe('config');
    expect(error.exitCode).toBe(2);
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toContain('node-role.kubernetes.io/worker');
    expect(error.details[0]).toContain('NodeRestriction');
    expect(error.hint).toContain('kubectl label');
  });

  it('refuses a kubelet newer than the API server, by minor or by patch', async () => {
    for (const kubelet of ['1.32.0', '1.31.3']) {
      const config = await loadTestConfig({ flags: { kubernetesVersion: kubelet } });
      const error = refusal(() => applyDiscovery(config, makeDebianFacts(), discovery()));
      expect(error.code).toBe('config');
      expect(error.message).toBe(`kubelet v${kubelet} is newer than the API server (v1.31.2)`);
      expect(error.hint).toContain('--kubernetes-version 1.31.2');
    }
  });

  it('refuses a kubelet more than three minor versions older than the API server', async () => {
    const config = await loadTestConfig({ flags: { kubernetesVersion: '1.27.16' } });
    const error = refusal(() => applyDiscovery(config, makeDebianFacts(), discovery()));
    expect(error.code).toBe('config');
    expect(error.message).toContain('more than three minor versions older');
    expect(error.hint).toBe('use --kubernetes-version 1.31.2');
  });

  it('accepts an equal kubelet, one up to three minors older, and defaults to the server version', async () => {
    for (const kubelet of ['1.31.2', '1.31.0', '1.30.6', '1.28.15']) {
      const config = await loadTestConfig({ flags: { kubernetesVersion: kubelet } });
      expect(applyDiscovery(config, makeDebianFacts(), discovery()).kubernetesVersion).toBe(kubelet);
    }
    const unpinned = await loadTestConfig({ flags: { kubernetesVersion: undefined } });
    expect(unpinned.kubernetesVersion).toBeUndefined();
    expect(applyDiscovery(unpinned, makeDebianFacts(), discovery({ kubernetesVersion: '1.30.4' })).kubernetesVersion).toBe('1.30.4');
  });
});

describe('discoverCluster', () => {
  const FILE = '/etc/kjoin/bootstrap.conf';
  const SERVER = 'https://k8s.example.net:6443';
  const BEARER = '9a3d1e.4f7c2b8e6d0a1c35';

  async function setUp(apiStatus: number) {
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'prod', cluster: { server: SERVER, 'certificate-authority-data': Buffer.from(clusterPki().caPem).toString('base64') } }],
      contexts: [{ name: 'kubelet@prod', context: { cluster: 'prod', user: 'kubelet-bootstrap' } }],
      'current-context': 'kubelet@prod',
      users: [{ name: 'kubelet-bootstrap', user: { token: BEARER } }],
    });
    const fs = new MemoryFileSystem({ [FILE]: { content: kubeconfig, mode: 0o600 } });
    const http = new FakeHttp(fs)
      .reply(`${SERVER}/version`, { body: JSON.stringify({ major: '1', minor: '30', gitVersion: 'v1.30.5', platform: 'linux/amd64' }) })
      .reply(`${SERVER}/api`, apiStatus === 200 ? { body: '{"kind":"APIVersions","versions":["v1"]}' } : { status: apiStatus, body: '{"kind":"Status","code":401}' });
    const config = await loadTestConfig({ flags: { provider: 'file', kubeconfig: FILE, server: undefined, discoveryTokenCaCertHash: undefined, kubernetesVersion: undefined } });
    const events: EventInput[] = [];
    const options = {
      config,
      secrets: {},
      facts: makeDebianFacts(),
      http,
      fs,
      clock: new FakeClock(),
      reporter: { emit: (event: EventInput) => events.push(event) },
      signal: new AbortController().signal,
    };
    return { options, events, fs, kubeconfig };
  }

  it('asks the provider and reports the cluster as a preflight check, without the credential', async () => {
    const { options, events, fs, kubeconfig } = await setUp(200);
    const found = await discoverCluster(options);
    expect(found).toMatchObject({ server: SERVER, kubernetesVersion: '1.30.5', credentials: { kind: 'kubeconfig', kubeconfig } });
    expect(events.every((e) => e.phase === 'preflight' && e.step === 'discover')).toBe(true);
    expect(events[0]).toMatchObject({ type: 'log', message: 'asking the file control plane for the cluster\'s CA, version and node settings' });
    expect(events.at(-1)).toEqual({ type: 'check', phase: 'preflight', step: 'discover', status: 'ok', message: `cluster at ${SERVER}, Kubernetes v1.30.5` });
    expect(JSON.stringify(events)).not.toContain(BEARER);
    expect(fs.writes).toEqual([]);
  });

  it('ends with exit 4 and nothing written when the control plane refuses the credential', async () => {
    const { options, events, fs } = await setUp(401);
    const error = await discoverCluster(options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isKjoinError(error)).toBe(true);
    expect((error as KjoinError).code).toBe('refused');
    expect((error as KjoinError).exitCode).toBe(4);
    expect((error as KjoinError).message).not.toContain(BEARER);
    expect(events.some((e) => e.type === 'check')).toBe(false);
    expect(fs.writes).toEqual([]);
  });

  it('asks the echo URL for the public address when the provider does not report one, TLS verified', async () => {
    const { options } = await setUp(200);
    const echo = 'https://echo.example.net/ip';
    options.config = { ...options.config, wireguard: { ...options.config.wireguard, publicIpEchoUrl: echo } };
    options.http.reply(echo, { body: '203.0.113.7\n' });
    expect((await discoverCluster(options)).externalIp).toBe('203.0.113.7');
    expect(options.http.calls.find((c) => c.url === echo)?.ca).toBeUndefined(); // system roots: a public service
  });

  it('refuses an echo answer that is not an address', async () => {
    const { options } = await setUp(200);
    const echo = 'https://echo.example.net/ip';
    options.config = { ...options.config, wireguard: { ...options.config.wireguard, publicIpEchoUrl: echo } };
    options.http.reply(echo, { body: '<html>hello</html>' });
    await expect(discoverCluster(options)).rejects.toMatchObject({ code: 'config', message: `${echo} did not answer with an IP address` });
  });
});

