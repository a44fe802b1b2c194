import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { STATE_FILE } from '../../../src/engine/state.js';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import type { ClusterDiscovery } from '../../../src/providers/types.js';
import { registerStep } from '../../../src/steps/register.js';
import { SERVER, TOKEN, TOKEN_SECRET, clusterPki, makeCluster, renderKubeletKubeconfig, useCluster } from './cluster-fixtures.js';
import { expectConverged, loadTestConfig, makeHarness, type StepHarness } from './step-context.js';

const CA = '/etc/kubernetes/pki/ca.crt';
const BOOTSTRAP = '/etc/kubernetes/bootstrap-kubelet.conf';
const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function makeHost(cluster: ClusterDiscovery | null = makeCluster()): Promise<StepHarness> {
  const h = makeHarness({ config: await loadTestConfig() });
  useCluster(h, cluster);
  return h;
}

interface Kubeconfig {
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  'current-context': string;
  users: Array<{ name: string; user: Record<string, string> }>;
}

describe('register step', () => {
  it('writes the cluster CA 0644 and a bootstrap kubeconfig 0600 holding the server, the CA and the token', async () => {
    const h = await makeHost();
    expect(await registerStep.check(h.context())).toEqual({ status: 'needed', reason: `${CA} differs, ${BOOTSTRAP} differs` });

    await registerStep.apply(h.context());

    expect(h.fs.writes).toEqual([
      { path: CA, mode: 0o644 },
      { path: BOOTSTRAP, mode: 0o600 },
    ]);
    expect(await h.fs.readText(CA)).toBe(clusterPki().caPem);
    const kubeconfig = parseYaml(await h.fs.readText(BOOTSTRAP)) as Kubeconfig;
    expect(kubeconfig.clusters).toHaveLength(1);
    const entry = kubeconfig.clusters[0]!;
    expect(entry.cluster.server).toBe(SERVER);
    expect(Buffer.from(entry.cluster['certificate-authority-data'], 'base64').toString('utf8')).toBe(clusterPki().caPem);
    const context = kubeconfig.contexts.find((c) => c.name === kubeconfig['current-context'])!;
    expect(context.context.cluster).toBe(entry.name);
    const user = kubeconfig.users.find((u) => u.name === context.context.user)!;
    expect(user).toEqual({ name: 'tls-bootstrap-token-user', user: { token: TOKEN } });
  });

  it('records the bootstrap kubeconfig in state.json without a hash, and the token appears nowhere in the state', async () => {
    const h = await makeHost(makeCluster({ registration: { nodeId: '5e0b6f27-1c43-4d1a-9b7e-8f2a0c6d3e91' } }));
    const summary = await h.run([registerStep]);
    expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([['register', 'ok']]);

    const record = h.state.component('register')!;
    expect(record.files).toEqual([
      { path: CA, sha256: sha256(clusterPki().caPem), mode: 0o644 },
      { path: BOOTSTRAP, sha256: 'secret', mode: 0o600 },
    ]);
    // The provider's record plus what leave and status need later; nothing secret.
    expect(record.registration).toEqual({ nodeId: '5e0b6f27-1c43-4d1a-9b7e-8f2a0c6d3e91', nodeName: 'worker-1', server: SERVER, provider: 'kubeadm' });
    const bootstrapHash = sha256(await h.fs.readText(BOOTSTRAP));
    const saved = await h.fs.readText(STATE_FILE);
    for (const text of [JSON.stringify(h.state.snapshot), saved, JSON.stringify(h.events)]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(TOKEN_SECRET);
      expect(text).not.toContain(bootstrapHash);
    }
    expect(JSON.parse(saved)).toEqual(JSON.parse(JSON.stringify(h.state.snapshot)));
  });

  it('writes a provider-issued kubeconfig verbatim', async () => {
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'prod', cluster: { server: 'https://k8s.example.net:6443', 'certificate-authority-data': Buffer.from(clusterPki().caPem).toString('base64') } }],
      contexts: [{ name: 'kubelet@prod', context: { cluster: 'prod', user: 'kubelet-bootstrap' } }],
      'current-context': 'kubelet@prod',
      users: [{ name: 'kubelet-bootstrap', user: { token: TOKEN } }],
    });
    const h = await makeHost(makeCluster({ server: 'https://k8s.example.net:6443', credentials: { kind: 'kubeconfig', kubeconfig } }));
    await registerStep.apply(h.context());
    expect(await h.fs.readText(BOOTSTRAP)).toBe(kubeconfig);
    expect((await h.fs.stat(BOOTSTRAP))?.mode).toBe(0o600);
    expect(h.state.component('register')!.files[1]).toEqual({ path: BOOTSTRAP, sha256: 'secret', mode: 0o600 });
  });

  it('is a no-op on the next run', async () => {
    const h = await makeHost();
    await h.run([registerStep]);
    expect(await registerStep.check(h.context())).toEqual({ status: 'done', reason: 'bootstrap credential in place' });
    await expectConverged(h, registerStep);
  });

  it('rewrites a bootstrap kubeconfig whose mode was loosened', async () => {
    const h = await makeHost();
    await registerStep.apply(h.context());
    h.fs.put(BOOTSTRAP, await h.fs.readText(BOOTSTRAP), 0o644);
    expect(await registerStep.check(h.context())).toEqual({ status: 'needed', reason: `${BOOTSTRAP} differs` });
    await registerStep.apply(h.context());
    expect((await h.fs.stat(BOOTSTRAP))?.mode).toBe(0o600);
  });

  it('is done once the kubelet has its own kubelet.conf, even after the bootstrap kubeconfig was removed', async () => {
    const h = await makeHost();
    await h.run([registerStep]);
    await h.fs.remove(BOOTSTRAP);
    expect((await registerStep.check(h.context())).status).toBe('needed');

    h.fs.put(KUBELET_CONF, renderKubeletKubeconfig(SERVER, clusterPki().caPem), 0o600);
    expect(await registerStep.check(h.context())).toEqual({ status: 'done', reason: 'the kubelet has its own credential' });
    await expectConverged(h, registerStep);
    expect(await h.fs.exists(BOOTSTRAP)).toBe(false);
  });

  it('refuses to plan, check or apply without the control plane discovery', async () => {
    const h = await makeHost(null);
    const failures: unknown[] = [];
    await (async () => registerStep.plan(h.context()))().catch((e: unknown) => failures.push(e));
    await registerStep.check(h.context()).catch((e: unknown) => failures.push(e));
    await registerStep.apply(h.context()).catch((e: unknown) => failures.push(e));
    expect(failures).toHaveLength(3);
    for (const failure of failures) {
      expect(isKjoinError(failure)).toBe(true);
      expect((failure as KjoinError).code).toBe('config');
      expect((failure as KjoinError).hint).toContain('--skip-phases register,start,verify');
    }
    expect(h.fs.writes).toEqual([]);
  });
});
