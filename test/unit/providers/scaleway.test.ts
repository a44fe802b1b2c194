import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { SCALEWAY_CACHE_PATH } from '../../../src/providers/scaleway-cache.js';
import { SCALEWAY_API_ASSUMPTIONS, scalewayProvider } from '../../../src/providers/scaleway.js';
import { makeTestPki, type TestPki } from '../../support/pki.js';
import { catchError, makeConfig, makeProviderContext, renderVersion, visibleText, type TestProviderContext } from './fixtures.js';

const POOL = '5a7b1c2d-0000-4000-8000-00000000c0de';
const REGION = 'fr-par';
const API = 'https://api.scaleway.com';
const AUTH_URL = `${API}/k8s/v1/regions/${REGION}/pools/${POOL}/external-nodes/auth`;
const METADATA_URL = `${API}/k8s/v1/regions/${REGION}/node-metadata`;
const SCW_KEY = '11111111-2222-4333-8444-555555555555';
const NODE_KEY = 'node-secret-aaaaaaaaaaaaaaaaaaaaaaaa';
const NODE_KEY_2 = 'node-secret-bbbbbbbbbbbbbbbbbbbbbbbb';
const NODE_ID = '0f0e0d0c-1111-4222-8333-444455556666';
const CLUSTER_URL = 'https://8c1f3a5e-cluster.api.k8s.fr-par.scw.cloud:6443';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki('kosmos-ca');
});

function metadata(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: NODE_ID,
    name: 'scw-kosmos-external-3f2a',
    cluster_url: CLUSTER_URL,
    cluster_ca: Buffer.from(pki.caPem).toString('base64'),
    pool_version: '1.31.2',
    kubelet_config: Buffer.from('clusterDNS:\n- 10.32.0.10\nmaxPods: 110\n').toString('base64'),
    node_labels: { 'k8s.scaleway.com/pool-name': 'external', 'k8s.scaleway.com/managed': 'false' },
    node_taints: [{ key: 'node.kubernetes.io/external', value: '', effect: 'NoSchedule' }, { key: 'dedicated', value: 'gpu', effect: 'NoExecute' }],
    provider_id: `scaleway://external/${NODE_ID}`,
    external_ip: '203.0.113.7',
    resolvconf_path: '/etc/resolv.conf',
    has_gpu: false,
    ...overrides,
  });
}

const authBody = (key = NODE_KEY) => JSON.stringify({ node_secret_key: key, metadata_url: METADATA_URL });

function setUp(options: { scwKey?: string | undefined; cache?: Record<string, unknown> | string } = {}): TestProviderContext {
  const ctx = makeProviderContext({
    config: makeConfig({ provider: 'scaleway', scaleway: { poolId: POOL, region: REGION } }),
    secrets: 'scwKey' in options ? { scwSecretKey: options.scwKey } : { scwSecretKey: SCW_KEY },
  });
  if (options.cache !== undefined) {
    ctx.fs.put(SCALEWAY_CACHE_PATH, typeof options.cache === 'string' ? options.cache : JSON.stringify(options.cache), 0o600);
  }
  ctx.http.replyTo('POST', AUTH_URL, { body: authBody() }).reply(METADATA_URL, { body: metadata() });
  return ctx;
}

const cachedRegistration = { poolId: POOL, region: REGION, nodeSecretKey: NODE_KEY, metadataUrl: METADATA_URL, nodeId: NODE_ID };
const postCalls = (ctx: TestProviderContext) => ctx.http.calls.filter((c) => c.method === 'POST');

describe('scaleway provider: discovery', () => {
  it('registers, reads the node metadata and maps it to the discovery', async () => {
    const ctx = setUp();
    const discovery = await scalewayProvider.discover(ctx);
    expect(discovery).toEqual({
      server: CLUSTER_URL,
      caPem: new X509Certificate(pki.caPem).toString(),
      kubernetesVersion: '1.31.2',
      nodeName: 'scw-kosmos-external-3f2a',
      labels: { 'k8s.scaleway.com/pool-name': 'external', 'k8s.scaleway.com/managed': 'false' },
      taints: [
        { key: 'node.kubernetes.io/external', effect: 'NoSchedule' },
        { key: 'dedicated', value: 'gpu', effect: 'NoExecute' },
      ],
      kubeletConfig: { clusterDNS: ['10.32.0.10'], maxPods: 110 },
      providerID: `scaleway://external/${NODE_ID}`,
      externalIp: '203.0.113.7',
      registration: { nodeId: NODE_ID, poolId: POOL, region: REGION, apiUrl: API },
      credentials: { kind: 'bootstrap-token', token: NODE_KEY },
    });
    expect(ctx.http.calls.map((c) => [c.method, c.url, c.headers['x-auth-token']])).toEqual([
      ['POST', AUTH_URL, SCW_KEY],
      ['GET', METADATA_URL, NODE_KEY],
    ]);
    // The registration record names no secret.
    expect(JSON.stringify(discovery.registration)).not.toContain(NODE_KEY);
  });

  it('caches the registration 0600 through writeAtomic, with the node id once known', async () => {
    const ctx = setUp();
    await scalewayProvider.discover(ctx);
    expect(ctx.fs.writes.every((w) => w.path === SCALEWAY_CACHE_PATH && w.mode === 0o600)).toBe(true);
    expect(ctx.fs.writes.length).toBeGreaterThan(0);
    expect((await ctx.fs.stat(SCALEWAY_CACHE_PATH))?.mode).toBe(0o600);
    expect(JSON.parse(await ctx.fs.readText(SCALEWAY_CACHE_PATH))).toEqual(cachedRegistration);
  });

  it('reuses a cached registration: no second /auth call, and no SCW_SECRET_KEY needed', async () => {
    const ctx = setUp({ scwKey: undefined, cache: cachedRegistration });
    const discovery = await scalewayProvider.discover(ctx);
    expect(postCalls(ctx)).toEqual([]);
    expect(discovery.credentials).toEqual({ kind: 'bootstrap-token', token: NODE_KEY });
    expect(ctx.fs.writes).toEqual([]);
    expect(ctx.messages.join('\n')).toMatch(/reusing the Kosmos registration/);
  });

  it('registers once more when the cached node key is refused, and replaces the cache', async () => {
    const ctx = setUp({ cache: cachedRegistration });
    ctx.http.replyTo('POST', AUTH_URL, { body: authBody(NODE_KEY_2) });
    ctx.http.reply(METADATA_URL, { status: 401, body: '{"message":"authentication is denied","type":"denied_authentication"}' }, { body: metadata() });
    const discovery = await scalewayProvider.discover(ctx);
    expect(postCalls(ctx)).toHaveLength(1);
    expect(discovery.credentials).toEqual({ kind: 'bootstrap-token', token: NODE_KEY_2 });
    expect(JSON.parse(await ctx.fs.readText(SCALEWAY_CACHE_PATH)).nodeSecretKey).toBe(NODE_KEY_2);
  });

  it('asks the API server for the version when the pool version is missing', async () => {
    const ctx = setUp();
    ctx.http.reply(METADATA_URL, { body: metadata({ pool_version: '' }) });
    ctx.http.reply(`${CLUSTER_URL}/version`, { body: renderVersion('v1.30.6') });
    const discovery = await scalewayProvider.discover(ctx);
    expect(discovery.kubernetesVersion).toBe('1.30.6');
    expect(ctx.http.calls.at(-1)).toMatchObject({ url: `${CLUSTER_URL}/version`, ca: discovery.caPem });
  });

  it('accepts a plain PEM cluster CA, no kubelet config and null labels/taints', async () => {
    const ctx = setUp();
    ctx.http.reply(METADATA_URL, { body: metadata({ cluster_ca: pki.caPem, kubelet_config: '', node_labels: null, node_taints: null }) });
    const discovery = await scalewayProvider.discover(ctx);
    expect(discovery.kubeletConfig).toBeUndefined();
    expect(discovery.labels).toEqual({});
    expect(discovery.taints).toEqual([]);
  });

  it('documents its assumptions for the README', () => {
    expect(SCALEWAY_API_ASSUMPTIONS.length).toBeGreaterThan(3);
    expect(SCALEWAY_API_ASSUMPTIONS.some((line) => /node_secret_key as a bearer token/.test(line))).toBe(true);
  });
});

describe('scaleway provider: refusals and failures', () => {
  it('refuses a wrong SCW_SECRET_KEY, naming it without quoting it', async () => {
    const ctx = setUp();
    ctx.http.replyTo('POST', AUTH_URL, { status: 401, body: `{"message":"authentication is denied (key ${SCW_KEY})","type":"denied_authentication"}` });
    const error = await catchError(() => scalewayProvider.discover(ctx));
    expect(error).toBeInstanceOf(KjoinError);
    expect(error.code).toBe('refused');
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(
      `the Scaleway secret key (SCW_SECRET_KEY) was refused (POST ${AUTH_URL}: HTTP 401): denied_authentication: authentication is denied (key [redacted])`,
    );
    expect(visibleText(error)).not.toContain(SCW_KEY);
    expect(await ctx.fs.exists(SCALEWAY_CACHE_PATH)).toBe(false);
  });

  it('refuses an unknown pool with its id and region', async () => {
    const ctx = setUp();
    ctx.http.replyTo('POST', AUTH_URL, { status: 404, body: '{"message":"resource is not found","type":"not_found","resource":"k8s_pool"}' });
    const error = await catchError(() => scalewayProvider.discover(ctx));
    expect(error.code).toBe('refused');
    expect(error.message).toMatch(new RegExp(`^pool ${POOL} not found in region ${REGION} `));
    expect(error.hint).toMatch(/--pool-id/);
  });

  it('refuses the node key from a fresh /auth without registering again', async () => {
    const ctx = setUp();
    ctx.http.reply(METADATA_URL, { status: 403, body: '{"message":"insufficient permissions","type":"permissions_denied"}' });
    const error = await catchError(() => scalewayProvider.discover(ctx));
    expect(error.code).toBe('refused');
    expect(error.message).toMatch(/^the node secret key from \/auth was refused/);
    expect(postCalls(ctx)).toHaveLength(1);
    expect(visibleText(error)).not.toContain(NODE_KEY);
  });

  it('gives up after one re-registration when the new key is refused too', async () => {
    const ctx = setUp({ cache: cachedRegistration });
    ctx.http.reply(METADATA_URL, { status: 401, body: '{"type":"denied_authentication"}' });
    const error = await catchError(() => scalewayProvider.discover(ctx));
    expect(error.code).toBe('refused');
    expect(postCalls(ctx)).toHaveLength(1);
    expect(ctx.http.calls.filter((c) => c.url === METADATA_URL)).toHaveLength(2);
  });

  it('stops on a cache for another pool, or a damaged one, rather than registering twice', async () => {
    const other = setUp({ cache: { ...cachedRegistration, poolId: 'another-pool' } });
    const error = await catchError(() => scalewayProvider.discover(other));
    expect(error.code).toBe('config');
    expect(error.message).toBe(`this machine is registered in Kosmos pool another-pool (${REGION}), not ${POOL} (${REGION})`);
    const damaged = setUp({ cache: '{"poolId":' });
    expect((await catchError(() => scalewayProvider.discover(damaged))).message).toMatch(/is damaged/);
    expect([...other.http.calls, ...damaged.http.calls]).toEqual([]);
  });

  it('needs SCW_SECRET_KEY, the pool id and the region to register', async () => {
    const noKey = setUp({ scwKey: undefined });
    expect((await catchError(() => scalewayProvider.discover(noKey))).message).toMatch(/^SCW_SECRET_KEY is not set/);
    const noPool = makeProviderContext({ config: makeConfig({ provider: 'scaleway', scaleway: { region: REGION } }), secrets: { scwSecretKey: SCW_KEY } });
    expect((await catchError(() => scalewayProvider.discover(noPool))).message).toMatch(/needs the Kosmos pool id/);
    const noRegion = makeProviderContext({ config: makeConfig({ provider: 'scaleway', scaleway: { poolId: POOL } }), secrets: { scwSecretKey: SCW_KEY } });
    expect((await catchError(() => scalewayProvider.discover(noRegion))).message).toMatch(/needs the pool region/);
    expect([...noKey.http.calls, ...noPool.http.calls, ...noRegion.http.calls]).toEqual([]);
  });

  it('fails with exit 1 on a Scaleway server error and on metadata it cannot use', async () => {
    const down = setUp();
    down.http.replyTo('POST', AUTH_URL, { status: 503, body: '{"message":"service unavailable","type":"unknown"}' });
    const error = await catchError(() => scalewayProvider.discover(down));
    expect(error.code).toBe('step-failed');
    expect(error.message).toBe(`POST ${AUTH_URL} failed: HTTP 503: unknown: service unavailable`);

    const badTaint = setUp();
    badTaint.http.reply(METADATA_URL, { body: metadata({ node_taints: [{ key: 'a', value: '', effect: 'Sometimes' }] }) });
    expect((await catchError(() => scalewayProvider.discover(badTaint))).message).toMatch(/taint a with unknown effect "Sometimes"/);

    const badCa = setUp();
    badCa.http.reply(METADATA_URL, { body: metadata({ cluster_ca: Buffer.from('not a certificate').toString('base64') }) });
    expect((await catchError(() => scalewayProvider.discover(badCa))).message).toMatch(/no usable cluster CA/);

    const badShape = setUp();
    badShape.http.reply(METADATA_URL, { body: JSON.stringify({ id: NODE_ID }) });
    expect((await catchError(() => scalewayProvider.discover(badShape))).message).toMatch(/answered with an unexpected body \(name:/);
  });
});

describe('scaleway provider: deregister', () => {
  const deleteUrl = `${API}/k8s/v1/regions/${REGION}/nodes/${NODE_ID}`;
  const registration = { nodeId: NODE_ID, poolId: POOL, region: REGION, apiUrl: API };

  it('deletes the node with SCW_SECRET_KEY and forgets the cached registration', async () => {
    const ctx = setUp({ cache: cachedRegistration });
    ctx.http.replyTo('DELETE', deleteUrl, { body: JSON.stringify({ id: NODE_ID, status: 'deleting' }) });
    await scalewayProvider.deregister!(ctx, registration);
    expect(ctx.http.calls.map((c) => [c.method, c.url, c.headers['x-auth-token']])).toEqual([['DELETE', deleteUrl, SCW_KEY]]);
    expect(await ctx.fs.exists(SCALEWAY_CACHE_PATH)).toBe(false);
  });

  it('counts a node that is already gone (404) as deleted', async () => {
    const ctx = setUp({ cache: cachedRegistration });
    ctx.http.replyTo('DELETE', deleteUrl, { status: 404, body: '{"type":"not_found"}' });
    await expect(scalewayProvider.deregister!(ctx, registration)).resolves.toBeUndefined();
    expect(await ctx.fs.exists(SCALEWAY_CACHE_PATH)).toBe(false);
  });

  it('refuses a wrong key and keeps the cache', async () => {
    const ctx = setUp({ cache: cachedRegistration });
    ctx.http.replyTo('DELETE', deleteUrl, { status: 403, body: '{"type":"permissions_denied","message":"insufficient permissions"}' });
    const error = await catchError(() => scalewayProvider.deregister!(ctx, registration));
    expect(error.code).toBe('refused');
    expect(error.message).toMatch(/^the Scaleway secret key \(SCW_SECRET_KEY\) was refused \(DELETE /);
    expect(await ctx.fs.exists(SCALEWAY_CACHE_PATH)).toBe(true);
  });

  it('needs SCW_SECRET_KEY', async () => {
    const ctx = setUp({ scwKey: undefined });
    expect((await catchError(() => scalewayProvider.deregister!(ctx, registration))).code).toBe('config');
    expect(ctx.http.calls).toEqual([]);
  });
});

describe('scaleway provider: secrets never show', () => {
  it('keeps SCW_SECRET_KEY and the node key out of every message and progress line', async () => {
    const arrangements: Array<(ctx: TestProviderContext) => void> = [
      (ctx) => ctx.http.replyTo('POST', AUTH_URL, { status: 401, body: `{"message":"bad ${SCW_KEY}"}` }),
      (ctx) => ctx.http.replyTo('POST', AUTH_URL, { status: 500, body: `{"message":"${SCW_KEY}"}` }),
      (ctx) => ctx.http.replyTo('POST', AUTH_URL, { body: '{"node_secret_key":""}' }),
      (ctx) => ctx.http.reply(METADATA_URL, { status: 401, body: `{"message":"key ${NODE_KEY} denied"}` }),
      (ctx) => ctx.http.reply(METADATA_URL, { status: 500, body: `{"message":"${NODE_KEY}"}` }),
      (ctx) => ctx.http.reply(METADATA_URL, { body: metadata({ kubelet_config: Buffer.from(`x: ${NODE_KEY}: [`).toString('base64') }) }),
      (ctx) => ctx.http.replyTo('POST', AUTH_URL, { networkError: 'ECONNREFUSED' }),
    ];
    for (const [index, arrange] of arrangements.entries()) {
      const ctx = setUp();
      arrange(ctx);
      const error = await catchError(() => scalewayProvider.discover(ctx));
      const seen = `${visibleText(error)}\n${ctx.messages.join('\n')}`;
      expect(seen, `arrangement ${index}`).not.toContain(SCW_KEY);
      expect(seen, `arrangement ${index}`).not.toContain(NODE_KEY);
    }
  });
});
