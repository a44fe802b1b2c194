import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, type CallOptions } from '../../doubles/control-plane/client.js';
import { createCertificateRequest, generateEcKey, startControlPlane, type ControlPlane } from '../../doubles/control-plane/server.js';
import { computeCaPin } from '../../doubles/control-plane/x509.js';

/** The Scaleway Kosmos surface of the control-plane double, over HTTPS, as kjoin's scaleway provider uses it. */

const POOL_ID = '9f0b5d6e-7c1a-4e2b-8d3f-1a2b3c4d5e6f';
const SECRET_KEY = '6b1c8e4a-2f3d-4b5c-9a7e-0d1f2e3c4b5a';
let cp: ControlPlane;
const scw = (path: string, options: Omit<CallOptions, 'ca'> = {}) => callApi(cp.url, path, { ca: cp.caPem, ...options });
const authPath = `/k8s/v1/regions/fr-par/pools/${POOL_ID}/external-nodes/auth`;

beforeAll(async () => {
  cp = await startControlPlane({
    version: '1.31.2',
    kosmos: { region: 'fr-par', poolId: POOL_ID, secretKey: SECRET_KEY, clusterName: 'demo', poolName: 'edge', nodeTaints: [{ key: 'k8s.scaleway.com/external', value: 'true', effect: 'NoSchedule' }], externalIp: '203.0.113.7' },
  });
});
afterAll(() => cp.close());

async function registerExternalNode(): Promise<{ node_secret_key: string; metadata_url: string }> {
  // The agent sends no body; the SDK sends "{}" as JSON. Both are accepted.
  const res = await scw(authPath, { method: 'POST', headers: { 'x-auth-token': SECRET_KEY } });
  expect(res.status).toBe(200);
  expect(Object.keys(res.body).sort()).toEqual(['metadata_url', 'node_secret_key']);
  return res.body;
}

describe('Kosmos double: external node registration', () => {
  it('refuses a wrong secret key and an unknown pool with Scaleway error bodies', async () => {
    const wrong = await scw(authPath, { method: 'POST', headers: { 'x-auth-token': '00000000-0000-4000-8000-000000000000' }, json: {} });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ message: 'authentication is denied', method: 'api_key', reason: 'invalid_argument', type: 'denied_authentication' });
    const none = await scw(authPath, { method: 'POST' });
    expect(none.status).toBe(401);
    const pool = await scw('/k8s/v1/regions/fr-par/pools/11111111-1111-4111-8111-111111111111/external-nodes/auth', { method: 'POST', headers: { 'x-auth-token': SECRET_KEY }, json: {} });
    expect(pool.status).toBe(404);
    expect(pool.body).toMatchObject({ type: 'not_found', resource: 'k8s_pool', resource_id: '11111111-1111-4111-8111-111111111111' });
    expect(cp.kosmos?.nodes()).toEqual([]);
  });

  it('hands out node metadata for the node secret key only, with the fields the agent reads', async () => {
    const auth = await registerExternalNode();
    expect(auth.metadata_url.startsWith(`${cp.url}/k8s/v1/regions/fr-par/`)).toBe(true);
    expect((await scw(new URL(auth.metadata_url).pathname, { headers: { 'x-auth-token': SECRET_KEY } })).body).toMatchObject({ type: 'permissions_denied' });
    const res = await scw(new URL(auth.metadata_url).pathname, { headers: { 'x-auth-token': auth.node_secret_key } });
    expect(res.status).toBe(200);
    const meta = res.body;
    expect(meta).toMatchObject({ cluster_url: cp.url, pool_version: '1.31.2', external_ip: '203.0.113.7', node_taints: [{ key: 'k8s.scaleway.com/external', value: 'true', effect: 'NoSchedule' }] });
    expect(meta.name).toMatch(/^scw-demo-edge-[0-9a-f]{32}$/);
    expect(Buffer.from(meta.cluster_ca, 'base64').toString('utf8')).toBe(cp.caPem);
    expect(JSON.parse(Buffer.from(meta.kubelet_config, 'base64').toString('utf8'))).toMatchObject({ clusterDNS: [expect.any(String)] });
    expect(meta.provider_id).toBe(`kosmos://${meta.id}`);
    expect(meta.kube_token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(cp.requests.at(-1)).toEqual({ method: 'GET', path: new URL(auth.metadata_url).pathname, identity: `scw:node:${meta.id}`, status: 200 });
    expect(JSON.stringify(cp.requests)).not.toContain(auth.node_secret_key);
  });

  it('makes kube_token a working bootstrap token, and revokes it with the node on DELETE', async () => {
    const auth = await registerExternalNode();
    const meta = (await scw(new URL(auth.metadata_url).pathname, { headers: { 'x-auth-token': auth.node_secret_key } })).body;
    const info = await scw('/api/v1/namespaces/kube-public/configmaps/cluster-info');
    expect(Object.keys(info.body.data)).toContain(`jws-kubeconfig-${meta.kube_token.split('.')[0]}`);
    const csr = createCertificateRequest([['O', 'system:nodes'], ['CN', `system:node:${meta.name}`]], generateEcKey().privateKey);
    const spec = { request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] };
    const created = await scw('/apis/certificates.k8s.io/v1/certificatesigningrequests', { method: 'POST', token: meta.kube_token, json: { metadata: { generateName: 'csr-' }, spec } });
    expect(created.status).toBe(201);
    expect(cp.kosmos?.nodes().find((n) => n.id === meta.id)).toMatchObject({ name: meta.name, status: 'registering' });

    const byNodeKey = await scw(`/k8s/v1/regions/fr-par/nodes/${meta.id}`, { method: 'DELETE', headers: { 'x-auth-token': auth.node_secret_key } });
    expect(byNodeKey.status).toBe(403);
    const deleted = await scw(`/k8s/v1/regions/fr-par/nodes/${meta.id}?skip_drain=false&replace=false`, { method: 'DELETE', headers: { 'x-auth-token': SECRET_KEY } });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: meta.id, name: meta.name, pool_id: POOL_ID, status: 'deleting', region: 'fr-par' });
    expect((await scw(`/k8s/v1/regions/fr-par/nodes/${meta.id}`, { headers: { 'x-auth-token': SECRET_KEY } })).status).toBe(404);
    expect((await scw('/apis/certificates.k8s.io/v1/certificatesigningrequests', { token: meta.kube_token })).status).toBe(401);
    // The node secret key died with the node: it no longer authenticates at all.
    expect((await scw(new URL(auth.metadata_url).pathname, { headers: { 'x-auth-token': auth.node_secret_key } })).body).toMatchObject({ type: 'denied_authentication' });
  });
});

describe('control-plane double CLI', () => {
  it('prints one JSON line with the URL, CA pin and a join token that the server accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kjoin-cp-cli-'));
    const main = fileURLToPath(new URL('../../doubles/control-plane/main.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const child = spawn(process.execPath, [tsx, main, '--token', 'abcdef.0123456789abcdef', '--ca-file', join(dir, 'ca.crt'), '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (out.includes('\n')) resolve(out.split('\n')[0] as string);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const printed = JSON.parse(line) as { url: string; caPin: string; joinToken: string };
      expect(printed).toMatchObject({ url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), joinToken: 'abcdef.0123456789abcdef' });
      const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
      expect(printed.caPin).toBe(computeCaPin(ca));
      const res = await callApi(printed.url, '/apis/certificates.k8s.io/v1/certificatesigningrequests', { ca, token: printed.joinToken });
      expect(res).toMatchObject({ status: 200, body: { kind: 'CertificateSigningRequestList', items: [] } });
    } finally {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
