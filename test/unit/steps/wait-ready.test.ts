import { beforeAll, describe, expect, it } from 'vitest';
import type { Facts } from '../../../src/facts/types.js';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import type { FakeReply } from '../../../src/io/http.js';
import { FakeSystemd } from '../../../src/platform/fake-systemd.js';
import { waitReadyStep, wantedAnnotations } from '../../../src/steps/wait-ready.js';
import {
  KUBELET_CLIENT_PEM,
  NOT_READY_CONDITIONS,
  READY_CONDITIONS,
  RecordingHttp,
  SERVER,
  makeCluster,
  makeNodePki,
  renderKubeletKubeconfig,
  renderNode,
  useCluster,
  type NodePki,
} from './cluster-fixtures.js';
import { expectConverged, loadTestConfig, makeDebianFacts, makeHarness, type ConfigInput, type StepHarness } from './step-context.js';

const NODE = 'worker-1';
const NODE_URL = `${SERVER}/api/v1/nodes/${NODE}`;
const BOOTSTRAP = '/etc/kubernetes/bootstrap-kubelet.conf';
const KUBELET_CONF = '/etc/kubernetes/kubelet.conf';
const KEEPALIVE = { 'kilo.squat.ai/persistent-keepalive': '25' };
const NOT_READY_TEXT =
  'Ready=False (KubeletNotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized)';

let pki: NodePki;
beforeAll(() => {
  pki = makeNodePki(NODE);
});

interface Host extends StepHarness {
  http: RecordingHttp;
}

/** After register and start-kubelet: the bootstrap kubeconfig on disk, the kubelet bootstrapped unless told otherwise. */
async function makeHost(options: { config?: ConfigInput; facts?: Facts; bootstrapped?: boolean; systemd?: FakeSystemd } = {}): Promise<Host> {
  const h = makeHarness({ config: await loadTestConfig(options.config), facts: options.facts ?? makeDebianFacts(), systemd: options.systemd });
  const http = new RecordingHttp(h.fs);
  h.http = http;
  useCluster(h, makeCluster({ caPem: pki.caPem }));
  h.fs.put(BOOTSTRAP, 'apiVersion: v1\nkind: Config\n', 0o600);
  if (options.bootstrapped ?? true) {
    h.fs.put(KUBELET_CONF, renderKubeletKubeconfig(SERVER, pki.caPem), 0o600);
    h.fs.put(KUBELET_CLIENT_PEM, `${pki.certPem}${pki.keyPem}`, 0o600);
  }
  return h as Host;
}

function scriptNode(h: Host, ...replies: FakeReply[]): void {
  h.http.replyTo('GET', NODE_URL, ...replies);
}

async function failureOf(promise: Promise<unknown>): Promise<KjoinError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isKjoinError(error)) throw new Error(`expected a KjoinError, got ${String(error)}`);
  return error;
}

describe('wait-ready step', () => {
  it('streams each change of the node once, annotates it as the node itself, and removes the bootstrap kubeconfig', async () => {
    const h = await makeHost();
    scriptNode(
      h,
      { networkError: 'ECONNREFUSED' },
      { status: 404, body: '{"kind":"Status","reason":"NotFound","code":404}' },
      { body: renderNode(NODE, NOT_READY_CONDITIONS) },
      { body: renderNode(NODE, NOT_READY_CONDITIONS) },
      { body: renderNode(NODE, READY_CONDITIONS) },
    );
    h.http.replyTo('PATCH', NODE_URL, { body: renderNode(NODE, READY_CONDITIONS, KEEPALIVE) });

    const result = await waitReadyStep.apply(h.context());

    expect(h.progress.map((p) => p.message)).toEqual([
      `API server not answering yet: GET ${NODE_URL} failed: connection refused (ECONNREFUSED)`,
      `waiting for node ${NODE} to register`,
      `node ${NODE}: ${NOT_READY_TEXT}`,
      `node ${NODE}: Ready=True (KubeletReady: kubelet is posting ready status)`,
    ]);
    expect(h.clock.monotonicMs()).toBe(4 * 2_000);

    const clientCert = { cert: `${pki.certPem}${pki.keyPem}`, key: `${pki.certPem}${pki.keyPem}` };
    expect(h.http.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'GET', 'GET', 'PATCH']);
    for (const request of h.http.requests) {
      expect(request.url).toBe(NODE_URL);
      expect(request.ca).toBe(pki.caPem);
      expect(request.clientCert).toEqual(clientCert);
    }
    const patch = h.http.requests.at(-1)!;
    expect(patch.headers).toEqual({ 'content-type': 'application/merge-patch+json' });
    expect(patch.json).toEqual({ metadata: { annotations: KEEPALIVE } });
    expect(h.http.calls.at(-1)).toMatchObject({ method: 'PATCH', url: NODE_URL, headers: { 'content-type': 'application/merge-patch+json' }, json: { metadata: { annotations: KEEPALIVE } } });

    expect(await h.fs.exists(BOOTSTRAP)).toBe(false);
    expect(result).toEqual({ message: `node ${NODE} is Ready (nat)` });
  });

  it('does not patch annotations the node already carries', async () => {
    const h = await makeHost();
    scriptNode(h, { body: renderNode(NODE, READY_CONDITIONS, KEEPALIVE) });
    await waitReadyStep.apply(h.context());
    expect(h.http.requests.map((r) => r.method)).toEqual(['GET']);
    expect(await h.fs.exists(BOOTSTRAP)).toBe(false);
  });

  it('fails when the API server refuses the annotation patch, keeping the bootstrap kubeconfig', async () => {
    const h = await makeHost();
    scriptNode(h, { body: renderNode(NODE, READY_CONDITIONS) });
    h.http.replyTo('PATCH', NODE_URL, { status: 422, body: '{"kind":"Status","code":422}' });
    const error = await failureOf(waitReadyStep.apply(h.context()));
    expect(error.code).toBe('step-failed');
    expect(error.message).toBe(`annotating node ${NODE} for Kilo failed with HTTP 422`);
    expect(await h.fs.exists(BOOTSTRAP)).toBe(true);
  });

  it('times out with exit 5, the last state, the kubelet journal tail and the likely causes', async () => {
    const journal = Array.from({ length: 40 }, (_, i) =>
      `Nov 22 10:0${Math.floor(i / 10)}:${String((i % 10) * 6).padStart(2, '0')} worker-1 kubelet[2817]: E1122 bootstrap.go:265] part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf is expired (attempt ${i + 1})`,
    );
    const systemd = new FakeSystemd({ kubelet: { active: true, enabled: 'enabled', journal } });
    const h = await makeHost({ bootstrapped: false, config: { flags: { readyTimeout: 60 } }, systemd });

    const error = await failureOf(waitReadyStep.apply(h.context()));

    expect(error.code).toBe('timeout');
    expect(error.exitCode).toBe(5);
    expect(error.message).toBe(`node ${NODE} was not Ready after 60 s (last: waiting for the kubelet's TLS bootstrap (${KUBELET_CONF}))`);
    expect(error.details).toEqual(['last 30 lines of the kubelet journal:', ...journal.slice(-30)]);
    for (const cause of ['NetworkPluginNotReady', 'bootstrap token expired', 'cannot reach the API server', 'kubectl get csr', '--ready-timeout']) {
      expect(error.hint).toContain(cause);
    }
    expect(h.progress.map((p) => p.message)).toEqual([`waiting for the kubelet's TLS bootstrap (${KUBELET_CONF})`]);
    expect(h.clock.monotonicMs()).toBe(60_000);
    expect(h.http.requests).toEqual([]);
    expect(await h.fs.exists(BOOTSTRAP)).toBe(true);
  });

  it('stops at once with exit 4 when the API server refuses the node credential', async () => {
    const h = await makeHost();
    scriptNode(h, { status: 401, body: '{"kind":"Status","reason":"Unauthorized","code":401}' });
    const error = await failureOf(waitReadyStep.apply(h.context()));
    expect(error.code).toBe('refused');
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain('HTTP 401');
    expect(error.hint).toContain(`system:node:${NODE}`);
    expect(h.http.requests).toHaveLength(1);
    expect(await h.fs.exists(BOOTSTRAP)).toBe(true);
  });

  it('is done for a Ready, annotated node without a bootstrap kubeconfig, and needed otherwise', async () => {
    const h = await makeHost();
    expect(await waitReadyStep.check(h.context())).toEqual({ status: 'needed', reason: 'the node is not Ready' });
    scriptNode(h, { body: renderNode(NODE, NOT_READY_CONDITIONS, KEEPALIVE) });
    expect(await waitReadyStep.check(h.context())).toEqual({ status: 'needed', reason: 'the node is not Ready' });
    scriptNode(h, { body: renderNode(NODE, READY_CONDITIONS) });
    expect(await waitReadyStep.check(h.context())).toEqual({ status: 'needed', reason: 'Kilo annotations missing' });
    scriptNode(h, { body: renderNode(NODE, READY_CONDITIONS, KEEPALIVE) });
    expect(await waitReadyStep.check(h.context())).toEqual({ status: 'needed', reason: 'bootstrap credential still on disk' });

    await h.fs.remove(BOOTSTRAP);
    expect(await waitReadyStep.check(h.context())).toEqual({ status: 'done', reason: `node ${NODE} is Ready` });
    await expectConverged(h, waitReadyStep);
    expect(h.http.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('is needed while the kubelet has no credential of its own', async () => {
    const h = await makeHost({ bootstrapped: false });
    expect(await waitReadyStep.check(h.context())).toEqual({ status: 'needed', reason: 'the kubelet has no credential yet' });
    expect(h.http.requests).toEqual([]);
  });
});

describe('Kilo annotations', () => {
  it('asks for keepalives, and forces no endpoint, when the node has only private addresses', async () => {
    const h = await makeHost({
      facts: makeDebianFacts({
        addresses: [
          { interface: 'lo', family: 'ipv4', address: '127.0.0.1', scope: 'private' },
          { interface: 'eth0', family: 'ipv4', address: '192.168.1.40', scope: 'private' },
          { interface: 'eth0', family: 'ipv6', address: 'fe80::5054:ff:fe12:3456', scope: 'private' },
        ],
      }),
    });
    expect(wantedAnnotations(h.context())).toEqual({ 'kilo.squat.ai/persistent-keepalive': '25' });
  });

  it('forces the public endpoint of an interface and asks for no keepalive', async () => {
    const h = await makeHost({
      facts: makeDebianFacts({
        addresses: [
          { interface: 'eth0', family: 'ipv4', address: '203.0.113.7', scope: 'public' },
          { interface: 'eth1', family: 'ipv4', address: '10.0.0.12', scope: 'private' },
        ],
      }),
    });
    expect(wantedAnnotations(h.context())).toEqual({ 'kilo.squat.ai/force-endpoint': '203.0.113.7:51820' });

    scriptNode(h, { body: renderNode(NODE, READY_CONDITIONS) });
    h.http.replyTo('PATCH', NODE_URL, { body: renderNode(NODE, READY_CONDITIONS) });
    const result = await waitReadyStep.apply(h.context());
    expect(h.http.requests.at(-1)?.json).toEqual({ metadata: { annotations: { 'kilo.squat.ai/force-endpoint': '203.0.113.7:51820' } } });
    expect(result).toEqual({ message: `node ${NODE} is Ready (public, endpoint 203.0.113.7:51820)` });
  });

  it('names the Kilo location after the cloud and the region label', async () => {
    const h = await makeHost({
      config: { flags: { label: ['topology.kubernetes.io/region=fr-par'] } },
      facts: makeDebianFacts({ cloud: { provider: 'scaleway', vendor: 'Scaleway', product: 'SCW-DEV1-S' } }),
    });
    expect(wantedAnnotations(h.context())).toEqual({ 'kilo.squat.ai/location': 'scaleway-fr-par', 'kilo.squat.ai/persistent-keepalive': '25' });
  });
});
