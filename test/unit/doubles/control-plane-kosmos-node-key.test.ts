import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, type CallOptions } from '../../doubles/control-plane/client.js';
import { createCertificateRequest, generateEcKey, startControlPlane, type ControlPlane } from '../../doubles/control-plane/server.js';

/**
 * The Kosmos node secret key at the API server: the kubelet's bootstrap credential, as kjoin's scaleway provider
 * and Scaleway's agent use it (see the assumptions in test/doubles/control-plane/kosmos.ts).
 */

const POOL_ID = '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a9f';
const SECRET_KEY = 'd4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f70';
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
let cp: ControlPlane;
const call = (path: string, options: Omit<CallOptions, 'ca'> = {}) => callApi(cp.url, path, { ca: cp.caPem, ...options });

beforeAll(async () => {
  cp = await startControlPlane({ version: '1.31.2', kosmos: { region: 'nl-ams', poolId: POOL_ID, secretKey: SECRET_KEY, clusterName: 'lab', poolName: 'edge' } });
});
afterAll(() => cp.close());

async function registerNode(): Promise<{ key: string; id: string; name: string }> {
  const auth = await call(`/k8s/v1/regions/nl-ams/pools/${POOL_ID}/external-nodes/auth`, { method: 'POST', headers: { 'x-auth-token': SECRET_KEY }, json: {} });
  expect(auth.status).toBe(200);
  const meta = await call(new URL(auth.body.metadata_url as string).pathname, { headers: { 'x-auth-token': auth.body.node_secret_key } });
  expect(meta.status).toBe(200);
  return { key: auth.body.node_secret_key, id: meta.body.id, name: meta.body.name };
}

function kubeletCsr(nodeName: string) {
  const request = createCertificateRequest([['O', 'system:nodes'], ['CN', `system:node:${nodeName}`]], generateEcKey().privateKey);
  return { metadata: { generateName: 'csr-' }, spec: { request: Buffer.from(request).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] } };
}

describe('Kosmos double: node_secret_key at the API server', () => {
  it('authenticates a live node key as that node\'s bootstrap identity, which gets its kubelet CSR approved', async () => {
    const node = await registerNode();
    const created = await call(CSRS, { method: 'POST', token: node.key, json: kubeletCsr(node.name) });
    expect(created.status, created.text).toBe(201);
    expect(created.body.spec).toMatchObject({
      username: `system:bootstrap:kosmos-${node.id}`,
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
    });
    const signed = await call(`${CSRS}/${created.body.metadata.name as string}`, { token: node.key });
    expect(signed.body.status.conditions.map((c: { type: string }) => c.type)).toEqual(['Approved']);
    expect(typeof signed.body.status.certificate).toBe('string');
    expect(cp.kosmos?.nodes().find((n) => n.id === node.id)?.bootstrapUser).toBe(`system:bootstrap:kosmos-${node.id}`);
    expect(cp.requests.at(-1)).toMatchObject({ method: 'GET', identity: `system:bootstrap:kosmos-${node.id}`, status: 200 });
    expect(JSON.stringify(cp.requests)).not.toContain(node.key);
  });

  it('grants the node key only what a bootstrap token has: no Nodes, and the user key is no bearer token', async () => {
    const node = await registerNode();
    const nodes = await call(`/api/v1/nodes/${node.name}`, { token: node.key });
    expect(nodes.status).toBe(403);
    expect(nodes.body.message).toContain(`system:bootstrap:kosmos-${node.id}`);
    expect((await call(CSRS, { token: SECRET_KEY })).status).toBe(401);
    expect((await call(CSRS, { token: `${node.key}x` })).status).toBe(401);
  });

  it('stops accepting the node key at the API server once the node is deleted', async () => {
    const node = await registerNode();
    expect((await call(CSRS, { token: node.key })).status).toBe(200);
    const deleted = await call(`/k8s/v1/regions/nl-ams/nodes/${node.id}`, { method: 'DELETE', headers: { 'x-auth-token': SECRET_KEY } });
    expect(deleted.status).toBe(200);
    const after = await call(CSRS, { token: node.key });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
  });
});
