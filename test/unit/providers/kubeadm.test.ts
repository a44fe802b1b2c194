import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { spkiPin } from '../../../src/providers/ca-pin.js';
import { createKubeadmProvider, KUBELET_CONFIG_PATH } from '../../../src/providers/kubeadm.js';
import { makeTestPki, type TestPki } from '../../support/pki.js';
import {
  catchError,
  makeConfig,
  makeProviderContext,
  renderClusterInfo,
  renderClusterInfoKubeconfig,
  renderVersion,
  SERVER,
  TOKEN,
  TOKEN_ID,
  TOKEN_SECRET,
  unverifiedFromFake,
  visibleText,
  type TestProviderContext,
} from './fixtures.js';

const CLUSTER_INFO_URL = `${SERVER}/api/v1/namespaces/kube-public/configmaps/cluster-info`;
const VERSION_URL = `${SERVER}/version`;
const KUBELET_CONFIG_URL = `${SERVER}${KUBELET_CONFIG_PATH}`;
const KUBELET_YAML = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\n';

let pki: TestPki;
let impostor: TestPki;
beforeAll(() => {
  pki = makeTestPki('kubernetes');
  impostor = makeTestPki('kubernetes');
});

interface Setup {
  ctx: TestProviderContext;
  /** What the server presents on the unverified connection. */
  chain: string[];
  run(): Promise<unknown>;
}

/** A healthy kubeadm control plane behind FakeHttp; tests then change one thing. */
function setUp(options: { pins?: string[]; unsafe?: boolean; token?: string | undefined } = {}): Setup {
  const ctx = makeProviderContext({
    config: makeConfig({ server: SERVER, caCertHashes: options.pins ?? [pki.caPin], unsafeSkipCaVerification: options.unsafe ?? false }),
    secrets: 'token' in options ? { token: options.token } : { token: TOKEN },
  });
  const clusterInfo = renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem));
  ctx.http
    .reply(CLUSTER_INFO_URL, { body: clusterInfo })
    .reply(VERSION_URL, { body: renderVersion('v1.31.2') })
    .reply(KUBELET_CONFIG_URL, { body: JSON.stringify({ data: { kubelet: KUBELET_YAML } }) });
  const setup: Setup = {
    ctx,
    chain: [pki.certPem],
    run: () =>
      createKubeadmProvider({ getUnverified: unverifiedFromFake(ctx.http, () => setup.chain), retry: { attempts: 3 }, random: () => 0.5 }).discover(ctx),
  };
  return setup;
}

describe('kubeadm provider: discovery', () => {
  it('authenticates cluster-info and returns server, CA, version, kubelet config and the token', async () => {
    const { ctx, run } = setUp();
    const discovery = await run();
    expect(discovery).toEqual({
      server: SERVER,
      caPem: new X509Certificate(pki.caPem).toString(),
      kubernetesVersion: '1.31.2',
      labels: {},
      taints: [],
      kubeletConfig: { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' },
      credentials: { kind: 'bootstrap-token', token: TOKEN },
    });
    const calls = ctx.http.calls.map((c) => ({ url: c.url, pinned: c.ca === (discovery as { caPem: string }).caPem, auth: c.headers.authorization }));
    expect(calls).toEqual([
      // Only the first read goes without a CA, and it carries no credential.
      { url: CLUSTER_INFO_URL, pinned: false, auth: undefined },
      { url: CLUSTER_INFO_URL, pinned: true, auth: undefined },
      { url: VERSION_URL, pinned: true, auth: undefined },
      { url: KUBELET_CONFIG_URL, pinned: true, auth: `Bearer ${TOKEN}` },
    ]);
  });

  it('goes on without kubelet-config when the token may not read it (403) or it does not exist (404)', async () => {
    for (const status of [403, 404]) {
      const { ctx, run } = setUp();
      ctx.http.reply(KUBELET_CONFIG_URL, { status, body: '{}' });
      const discovery = (await run()) as { kubeletConfig?: unknown; kubernetesVersion: string };
      expect(discovery.kubeletConfig).toBeUndefined();
      expect(discovery.kubernetesVersion).toBe('1.31.2');
      expect(ctx.messages.some((m) => m.includes(`HTTP ${status}`))).toBe(true);
    }
  });

  it('strips the build suffix of vendor versions', async () => {
    const { ctx, run } = setUp();
    ctx.http.reply(VERSION_URL, { body: renderVersion('v1.30.4+k3s1') });
    expect(((await run()) as { kubernetesVersion: string }).kubernetesVersion).toBe('1.30.4');
  });

  it('accepts several pins when one matches, in any case', async () => {
    const { run } = setUp({ pins: [impostor.caPin, pki.caPin.toUpperCase()] });
    await expect(run()).resolves.toMatchObject({ server: SERVER });
  });

  it('with unsafeSkipCaVerification and no pin, trusts the token-signed CA and says so', async () => {
    const { ctx, run } = setUp({ pins: [], unsafe: true });
    await expect(run()).resolves.toMatchObject({ kubernetesVersion: '1.31.2' });
    expect(ctx.messages.join('\n')).toMatch(/CA pin check skipped/);
  });

  it('reports that cluster-info advertises another address than --server', async () => {
    const { ctx, run } = setUp();
    ctx.http.reply(CLUSTER_INFO_URL, { body: renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem, 'https://192.168.1.10:6443')) });
    await expect(run()).resolves.toMatchObject({ server: SERVER });
    expect(ctx.messages).toContain(`cluster-info advertises https://192.168.1.10:6443; the node will use ${SERVER}`);
  });
});

describe('kubeadm provider: refusals', () => {
  it('refuses a token the cluster has no signature for, naming the token id', async () => {
    const { run } = setUp({ token: 'zzzzzz.0123456789abcdef' });
    const error = await catchError(run);
    expect(error).toBeInstanceOf(KjoinError);
    expect(error.code).toBe('refused');
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe('the bootstrap token was refused: the cluster has no signature for token zzzzzz: the token does not exist or expired');
    expect(error.hint).toMatch(/kubeadm token create/);
  });

  it('refuses a wrong token secret, naming the bootstrap token by id only', async () => {
    const { run } = setUp({ token: `${TOKEN_ID}.ffffffffffffffff` });
    const error = await catchError(run);
    expect(error.code).toBe('refused');
    expect(error.message).toMatch(/^the bootstrap token was refused: .*the bootstrap token abcdef/);
    expect(visibleText(error)).not.toContain('ffffffffffffffff');
  });

  it('refuses a CA pin mismatch, showing the expected and the actual pin', async () => {
    const { ctx, run } = setUp({ pins: [impostor.caPin] });
    const error = await catchError(run);
    expect(error.code).toBe('refused');
    expect(error.message).toBe(`CA pin mismatch: expected ${impostor.caPin}, got ${pki.caPin}`);
    // Nothing is sent to a server whose CA is not the pinned one.
    expect(ctx.http.calls.map((c) => c.url)).toEqual([CLUSTER_INFO_URL]);
  });

  it('refuses a server whose certificate does not chain to the signed CA (an impostor replaying cluster-info)', async () => {
    const setup = setUp();
    setup.chain = [impostor.certPem];
    const error = await catchError(setup.run);
    expect(error.code).toBe('refused');
    expect(error.message).toMatch(/presented a certificate that is not signed by the cluster CA/);
    expect(setup.ctx.http.calls).toHaveLength(1);
  });

  it('refuses when the verified second read differs from the first', async () => {
    const { ctx, run } = setUp();
    const other = renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem, 'https://evil.example:6443'));
    ctx.http.reply(CLUSTER_INFO_URL, { body: renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem)) }, { body: other });
    const error = await catchError(run);
    expect(error.code).toBe('refused');
    expect(error.message).toMatch(/cluster-info differs/);
  });

  it('refuses when the API server does not authenticate the token for kubelet-config (401)', async () => {
    const { ctx, run } = setUp();
    ctx.http.reply(KUBELET_CONFIG_URL, { status: 401, body: '{"kind":"Status"}' });
    const error = await catchError(run);
    expect(error.code).toBe('refused');
    expect(error.message).toMatch(/did not accept the bootstrap token abcdef .*HTTP 401/);
  });

  it('explains a cluster-info that is not public (403) or missing (404)', async () => {
    for (const [status, pattern] of [
      [403, /does not let anonymous clients read cluster-info/],
      [404, /has no cluster-info ConfigMap in kube-public/],
    ] as const) {
      const { ctx, run } = setUp();
      ctx.http.reply(CLUSTER_INFO_URL, { status, body: '{}' });
      const error = await catchError(run);
      expect(error.code).toBe('refused');
      expect(error.message).toMatch(pattern);
    }
  });
});

describe('kubeadm provider: failures and configuration', () => {
  it('retries an unreachable server with backoff, then fails with exit 1 naming the address', async () => {
    const { ctx, run } = setUp();
    ctx.http.reply(CLUSTER_INFO_URL, { networkError: 'ECONNREFUSED' });
    const before = ctx.clock.monotonicMs();
    const error = await catchError(run);
    expect(error.code).toBe('step-failed');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`GET ${CLUSTER_INFO_URL} failed: connection refused (ECONNREFUSED) (after 3 attempts)`);
    expect(ctx.http.calls).toHaveLength(3);
    // Two backoffs of 0.75 s and 1.5 s (random pinned to 0.5), slept on the clock port.
    expect(ctx.clock.monotonicMs() - before).toBe(2250);
  });

  it('retries a 503 and succeeds when the server recovers', async () => {
    const { ctx, run } = setUp();
    const body = renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem));
    ctx.http.reply(CLUSTER_INFO_URL, { status: 503 }, { body });
    await expect(run()).resolves.toMatchObject({ kubernetesVersion: '1.31.2' });
  });

  it('fails when /version does not name a Kubernetes version', async () => {
    const { ctx, run } = setUp();
    ctx.http.reply(VERSION_URL, { body: '{"gitVersion":"nginx"}' });
    const error = await catchError(run);
    expect(error.code).toBe('step-failed');
    expect(error.message).toBe(`${VERSION_URL} did not report a Kubernetes version`);
  });

  it('fails when cluster-info is not a ConfigMap or its kubeconfig has no CA', async () => {
    const { ctx, run } = setUp();
    ctx.http.reply(CLUSTER_INFO_URL, { body: '<html>' });
    expect((await catchError(run)).message).toBe(`${CLUSTER_INFO_URL} did not return a ConfigMap`);
    const second = setUp();
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters:\n- name: ""\n  cluster:\n    server: https://10.0.0.1:6443\n';
    second.ctx.http.reply(CLUSTER_INFO_URL, { body: renderClusterInfo(kubeconfig) });
    expect((await catchError(second.run)).message).toBe('the kubeconfig in cluster-info has no certificate-authority-data');
  });

  it('needs a token, a server and a pin before touching the network', async () => {
    const cases: Array<[Parameters<typeof setUp>[0], RegExp]> = [
      [{ token: undefined }, /needs a bootstrap token/],
      [{ token: 'not-a-token' }, /bootstrap token is malformed/],
      [{ pins: [] }, /needs the CA pin/],
      [{ pins: ['sha256:1234'] }, /expected 64 hex digits/],
    ];
    for (const [options, pattern] of cases) {
      const { ctx, run } = setUp(options);
      const error = await catchError(run);
      expect(error.code).toBe('config');
      expect(error.message).toMatch(pattern);
      if (!options?.pins?.length) expect(ctx.http.calls).toEqual([]);
    }
    const noServer = makeProviderContext({ config: makeConfig({ caCertHashes: [spkiPin(pki.caPem)] }), secrets: { token: TOKEN } });
    expect((await catchError(() => createKubeadmProvider().discover(noServer))).message).toMatch(/needs the API server URL/);
  });
});

describe('kubeadm provider: the token secret never shows', () => {
  it('appears in no message, hint or cause of any failure', async () => {
    const scenarios: Array<(s: Setup) => void> = [
      (s) => s.ctx.http.reply(CLUSTER_INFO_URL, { networkError: 'ECONNRESET' }),
      (s) => s.ctx.http.reply(CLUSTER_INFO_URL, { status: 403 }),
      (s) => s.ctx.http.reply(CLUSTER_INFO_URL, { body: renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem), []) }),
      (s) => s.ctx.http.reply(CLUSTER_INFO_URL, { body: renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem), [`${TOKEN_ID}.0000000000000000`]) }),
      (s) => s.ctx.http.reply(CLUSTER_INFO_URL, { body: renderClusterInfo(`clusters: [${TOKEN_SECRET}`) }),
      (s) => (s.chain = [impostor.certPem]),
      (s) => s.ctx.http.reply(VERSION_URL, { status: 500 }),
      (s) => s.ctx.http.reply(KUBELET_CONFIG_URL, { status: 401 }),
      (s) => s.ctx.http.reply(KUBELET_CONFIG_URL, { status: 500 }),
      (s) => s.ctx.http.reply(KUBELET_CONFIG_URL, { body: JSON.stringify({ data: { kubelet: `token: ${TOKEN_SECRET}: [` } }) }),
    ];
    for (const [index, arrange] of scenarios.entries()) {
      const setup = setUp();
      arrange(setup);
      const error = await catchError(setup.run);
      expect(error, `scenario ${index}`).toBeInstanceOf(KjoinError);
      expect(visibleText(error), `scenario ${index}`).not.toContain(TOKEN_SECRET);
      expect(setup.ctx.messages.join('\n'), `scenario ${index}`).not.toContain(TOKEN_SECRET);
    }
    const wrongPin = setUp({ pins: [impostor.caPin] });
    expect(visibleText(await catchError(wrongPin.run))).not.toContain(TOKEN_SECRET);
  });
});
