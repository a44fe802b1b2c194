import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, type CallOptions } from '../../doubles/control-plane/client.js';
import { createCertificateRequest, generateEcKey, signDetachedJws, startControlPlane, type ControlPlane } from '../../doubles/control-plane/server.js';
import { isForbiddenNodeLabel } from '../../doubles/control-plane/node-restriction.js';
import { createCertificateAuthority } from '../../doubles/control-plane/x509.js';
import { spkiPin } from '../../support/pki.js';

/** The control-plane double over real HTTPS: authentication, RBAC, TLS bootstrap, NodeRestriction, strictness. */

const TOKEN_ID = 'abcdef';
const TOKEN_SECRET = '0123456789abcdef';
const TOKEN = `${TOKEN_ID}.${TOKEN_SECRET}`;

let cp: ControlPlane;
const api = (path: string, options: Omit<CallOptions, 'ca'> = {}) => callApi(cp.url, path, { ca: cp.caPem, ...options });
const admin = (path: string, options: Omit<CallOptions, 'ca'> = {}) => api(path, { token: cp.adminToken, ...options });

beforeAll(async () => {
  cp = await startControlPlane({
    version: '1.31.2',
    tokens: [
      { id: TOKEN_ID, secret: TOKEN_SECRET },
      { id: 'expird', secret: 'aaaaaaaaaaaaaaaa', expiration: new Date(Date.now() - 60_000) },
      { id: 'nosign', secret: 'bbbbbbbbbbbbbbbb', usages: ['authentication'] },
      { id: 'custom', secret: 'cccccccccccccccc', extraGroups: ['system:bootstrappers:other'] },
    ],
  });
});
afterAll(() => cp.close());

function csrBody(subject: Array<['CN' | 'O', string]>, usages = ['digital signature', 'client auth'], name?: string) {
  const key = generateEcKey().privateKey;
  const pem = createCertificateRequest(subject, key);
  return {
    key,
    json: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: name ? { name } : { generateName: 'csr-' },
      spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages },
    },
  };
}

/** TLS bootstrap by hand: a CSR with the bootstrap token, then the issued certificate as a client credential. */
async function bootstrapNode(nodeName: string): Promise<{ cert: string; key: string }> {
  const { key, json } = csrBody([['O', 'system:nodes'], ['CN', `system:node:${nodeName}`]]);
  const created = await api('/apis/certificates.k8s.io/v1/certificatesigningrequests', { method: 'POST', token: TOKEN, json });
  expect(created.status).toBe(201);
  const name = created.body.metadata.name as string;
  const fetched = await api(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`, { token: TOKEN });
  expect(fetched.body.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True' });
  return { cert: Buffer.from(fetched.body.status.certificate, 'base64').toString('utf8'), key: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const nodeObject = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: { taints },
});

describe('control-plane double: discovery', () => {
  it('serves /version anonymously with the configured version', async () => {
    const res = await api('/version');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ major: '1', minor: '31', gitVersion: 'v1.31.2', platform: 'linux/amd64' });
  });

  it('publishes cluster-info with a kubeconfig and a JWS per signing token that verifies with the token secret', async () => {
    const res = await api('/api/v1/namespaces/kube-public/configmaps/cluster-info');
    expect(res.status).toBe(200);
    const data = res.body.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['jws-kubeconfig-abcdef', 'jws-kubeconfig-custom', 'kubeconfig']);
    expect(data.kubeconfig).toContain(`server: ${cp.url}\n`);
    const caData = /certificate-authority-data: (\S+)/.exec(data.kubeconfig as string)?.[1] as string;
    expect(Buffer.from(caData, 'base64').toString('utf8')).toBe(cp.caPem);
    expect(data['jws-kubeconfig-abcdef']).toBe(signDetachedJws(data.kubeconfig as string, TOKEN_ID, TOKEN_SECRET));
    const [header, payload, signature] = (data['jws-kubeconfig-abcdef'] as string).split('.');
    expect(Buffer.from(header as string, 'base64url').toString('utf8')).toBe('{"alg":"HS256","kid":"abcdef"}');
    expect(payload).toBe('');
    expect(Buffer.from(signature as string, 'base64url')).toHaveLength(32);
    expect(signDetachedJws(data.kubeconfig as string, TOKEN_ID, 'fedcba9876543210')).not.toBe(data['jws-kubeconfig-abcdef']);
  });

  it('pins its CA the way kubeadm does and serves a certificate for 127.0.0.1 signed by it', async () => {
    expect(cp.caPin).toBe(spkiPin(cp.caPem));
    const ca = new X509Certificate(cp.caPem);
    expect(ca.ca).toBe(true);
    // A client that trusts another CA is refused: the serving chain ends at the double's own CA.
    await expect(callApi(cp.url, '/version', { ca: createCertificateAuthority().certPem })).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  });
});

describe('control-plane double: authentication and RBAC', () => {
  it('refuses a wrong, expired or non-authentication token with a 401 Status, never echoing it', async () => {
    for (const token of [`${TOKEN_ID}.ffffffffffffffff`, 'expird.aaaaaaaaaaaaaaaa', 'not-a-token']) {
      const res = await api('/apis/certificates.k8s.io/v1/certificatesigningrequests', { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      expect(res.text).not.toContain('ffffffffffffffff');
    }
  });

  it('lets the bootstrap identity read kubelet-config but not create Nodes or read other ConfigMaps', async () => {
    const config = await api('/api/v1/namespaces/kube-system/configmaps/kubelet-config', { token: TOKEN });
    expect(config.status).toBe(200);
    expect(config.body.data.kubelet).toContain('kind: KubeletConfiguration');
    const create = await api('/api/v1/nodes', { method: 'POST', token: TOKEN, json: nodeObject('sneaky') });
    expect(create.status).toBe(403);
    expect(create.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message: 'nodes is forbidden: User "system:bootstrap:abcdef" cannot create resource "nodes" in API group "" at the cluster scope',
    });
    const other = await api('/api/v1/namespaces/kube-system/configmaps/kubeadm-config', { token: TOKEN });
    expect(other.status).toBe(403);
    expect(other.body.message).toContain('in the namespace "kube-system"');
    // A token outside kubeadm's default node-token group has no binding at all.
    expect((await api('/api/v1/namespaces/kube-system/configmaps/kubelet-config', { token: 'custom.cccccccccccccccc' })).status).toBe(403);
    expect(cp.nodes()).toEqual([]);
  });

  it('logs who made each request and never a credential', async () => {
    await api('/version', { token: TOKEN });
    const last = cp.requests.at(-1);
    expect(last).toEqual({ method: 'GET', path: '/version', identity: 'system:bootstrap:abcdef', status: 200 });
    expect(JSON.stringify(cp.requests)).not.toContain(TOKEN_SECRET);
  });
});

describe('control-plane double: TLS bootstrap', () => {
  it('refuses a CSR whose subject is not system:node:<name> in system:nodes', async () => {
    const wrongCn = await api('/apis/certificates.k8s.io/v1/certificatesigningrequests', { method: 'POST', token: TOKEN, json: csrBody([['O', 'system:nodes'], ['CN', 'worker-1']]).json });
    expect(wrongCn.status).toBe(422);
    expect(wrongCn.body).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(wrongCn.body.message).toContain('subject common name does not begin with system:node:');
    const masters = await api('/apis/certificates.k8s.io/v1/certificatesigningrequests', { method: 'POST', token: TOKEN, json: csrBody([['O', 'system:masters'], ['CN', 'system:node:w']]).json });
    expect(masters.status).toBe(422);
    expect(masters.body.message).toContain('subject organization is not system:nodes');
    const usages = await api('/apis/certificates.k8s.io/v1/certificatesigningrequests', { method: 'POST', token: TOKEN, json: csrBody([['O', 'system:nodes'], ['CN', 'system:node:w']], ['server auth']).json });
    expect(usages.status).toBe(422);
    expect(cp.csrs()).toHaveLength(0);
  });

  it('approves and signs a kubelet client CSR; the certificate authenticates as the node', async () => {
    const { cert, key } = await bootstrapNode('worker-a');
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe('O=system:nodes\nCN=system:node:worker-a');
    expect(x509.verify(new X509Certificate(cp.caPem).publicKey)).toBe(true);
    expect(cp.csrs().at(-1)).toMatchObject({ spec: { username: 'system:bootstrap:abcdef', groups: expect.arrayContaining(['system:bootstrappers']) } });
    const created = await api('/api/v1/nodes', { method: 'POST', cert, key, json: nodeObject('worker-a', { 'node.kubernetes.io/instance-type': 'DEV1-S' }) });
    expect(created.status).toBe(201);
    expect(cp.requests.at(-1)?.identity).toBe('system:node:worker-a');
    expect(cp.node('worker-a')?.metadata).toMatchObject({ labels: { 'node.kubernetes.io/instance-type': 'DEV1-S' } });
  });

  it('leaves the CSR pending or denied when the approver is told to', async () => {
    cp.setFault('csr-denied');
    const denied = await api('/apis/certificates.k8s.io/v1/certificatesigningrequests', { method: 'POST', token: TOKEN, json: csrBody([['O', 'system:nodes'], ['CN', 'system:node:d']]).json });
    cp.setFault(null);
    const fetched = await api(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${denied.body.metadata.name}`, { token: TOKEN });
    expect(fetched.body.status.conditions[0]).toMatchObject({ type: 'Denied' });
    expect(fetched.body.status.certificate).toBeUndefined();
  });
});

describe('control-plane double: NodeRestriction', () => {
  let node: { cert: string; key: string };
  beforeAll(async () => {
    node = await bootstrapNode('worker-b');
    expect((await api('/api/v1/nodes', { method: 'POST', ...node, json: nodeObject('worker-b', {}, [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }]) })).status).toBe(201);
    expect((await api('/api/v1/nodes', { method: 'POST', ...(await bootstrapNode('worker-c')), json: nodeObject('worker-c') })).status).toBe(201);
  });

  it('refuses a node-role label on create with the admission message', async () => {
    const other = await bootstrapNode('worker-r');
    const res = await api('/api/v1/nodes', { method: 'POST', ...other, json: nodeObject('worker-r', { 'node-role.kubernetes.io/worker': '', 'node-restriction.kubernetes.io/x': 'y', team: 'a' }) });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('nodes "worker-r" is forbidden: node "worker-r" is not allowed to set the following labels: node-restriction.kubernetes.io/x, node-role.kubernetes.io/worker');
    expect(cp.node('worker-r')).toBeUndefined();
  });

  it('refuses a forbidden label or a taint change on update, and accepts kubelet labels', async () => {
    const label = await api('/api/v1/nodes/worker-b', { method: 'PATCH', ...node, contentType: 'application/merge-patch+json', json: { metadata: { labels: { 'node-role.kubernetes.io/x': '' } } } });
    expect(label.status).toBe(403);
    expect(label.body.message).toBe('nodes "worker-b" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/x');
    const taint = await api('/api/v1/nodes/worker-b', { method: 'PATCH', ...node, contentType: 'application/strategic-merge-patch+json', json: { spec: { taints: [] } } });
    expect(taint.body.message).toBe('nodes "worker-b" is forbidden: node "worker-b" is not allowed to modify taints');
    const ok = await api('/api/v1/nodes/worker-b', { method: 'PATCH', ...node, contentType: 'application/merge-patch+json', json: { metadata: { labels: { 'topology.kubernetes.io/zone': 'fr-par-1' } } } });
    expect(ok.status).toBe(200);
    expect(cp.node('worker-b')?.metadata).toMatchObject({ labels: { 'kubernetes.io/hostname': 'worker-b', 'topology.kubernetes.io/zone': 'fr-par-1' } });
  });

  it('does not let a node patch or delete another node, nor list nodes', async () => {
    const patch = await api('/api/v1/nodes/worker-c/status', { method: 'PATCH', ...node, contentType: 'application/strategic-merge-patch+json', json: { status: { conditions: [{ type: 'Ready', status: 'True' }] } } });
    expect(patch.status).toBe(403);
    expect(patch.body.message).toBe('nodes "worker-c" is forbidden: node "worker-b" is not allowed to modify node "worker-c"');
    const del = await api('/api/v1/nodes/worker-c', { method: 'DELETE', ...node });
    expect(del.status).toBe(403);
    expect(cp.node('worker-c')).toBeDefined();
    expect((await api('/api/v1/nodes', { ...node })).status).toBe(403);
    expect((await admin('/api/v1/nodes')).body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(expect.arrayContaining(['worker-b', 'worker-c']));
  });

  it('merges status conditions by type with a strategic merge patch, and a node may delete itself', async () => {
    const patch = (conditions: unknown[]) =>
      api('/api/v1/nodes/worker-c/status', { method: 'PATCH', token: cp.adminToken, contentType: 'application/strategic-merge-patch+json', json: { status: { '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }], conditions } } });
    await patch([{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }, { type: 'MemoryPressure', status: 'False' }]);
    const res = await patch([{ type: 'Ready', status: 'True', reason: 'KubeletReady' }]);
    expect(res.body.status.conditions).toEqual([{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True', reason: 'KubeletReady' }]);
    const addresses = [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'InternalIP', address: 'fd00::7' }];
    const replaced = await admin('/api/v1/nodes/worker-c/status', { method: 'PATCH', contentType: 'application/strategic-merge-patch+json', json: { status: { addresses: [{ $patch: 'replace' }, ...addresses] } } });
    expect(replaced.body.status.addresses).toEqual(addresses);
    expect(replaced.body.status.conditions).toHaveLength(2);
    const self = await bootstrapNode('worker-c');
    const del = await api('/api/v1/nodes/worker-c', { method: 'DELETE', ...self });
    expect(del.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'worker-c', kind: 'nodes' } });
    expect(cp.node('worker-c')).toBeUndefined();
  });
});

describe('control-plane double: strictness', () => {
  it('answers 404, 415 and 400 Status bodies', async () => {
    const unknown = await admin('/api/v1/pods');
    expect(unknown).toMatchObject({ status: 404, body: { kind: 'Status', reason: 'NotFound', code: 404 } });
    const yaml = await admin('/api/v1/nodes', { method: 'POST', body: 'metadata: {name: x}', contentType: 'text/plain' });
    expect(yaml).toMatchObject({ status: 415, body: { reason: 'UnsupportedMediaType' } });
    const jsonPatch = await admin('/api/v1/nodes/worker-b', { method: 'PATCH', json: [{ op: 'add' }], contentType: 'application/json-patch+json' });
    expect(jsonPatch.status).toBe(415);
    const broken = await admin('/api/v1/nodes', { method: 'POST', body: '{"metadata": ', contentType: 'application/json' });
    expect(broken).toMatchObject({ status: 400, body: { reason: 'BadRequest' } });
    const invalid = await admin('/api/v1/nodes', { method: 'POST', json: { metadata: { name: 'Bad_Name' } } });
    expect(invalid).toMatchObject({ status: 422, body: { reason: 'Invalid' } });
  });

  it('answers 503 while a fail-times fault lasts', async () => {
    cp.setFault('fail-times:2');
    expect((await api('/version')).status).toBe(503);
    expect((await api('/version')).status).toBe(503);
    expect((await api('/version')).status).toBe(200);
  });
});

describe('control-plane double: NodeRestriction label rule', () => {
  it('refuses kubernetes.io labels outside the kubelet set and node-restriction.kubernetes.io, allows the rest', () => {
    for (const key of ['node-role.kubernetes.io/worker', 'kubernetes.io/role', 'other.k8s.io/x', 'node-restriction.kubernetes.io/x', 'a.node-restriction.kubernetes.io/x']) expect(isForbiddenNodeLabel(key)).toBe(true);
    for (const key of ['kubernetes.io/hostname', 'node.kubernetes.io/instance-type', 'x.kubelet.kubernetes.io/y', 'evilkubernetes.io/x', 'example.com/role', 'plain']) expect(isForbiddenNodeLabel(key)).toBe(false);
  });

  const restrictionPath = new URL('../../../../shared/vectors/node-restriction.json', import.meta.url);
  it.runIf(existsSync(restrictionPath))('agrees with every case of the upstream node-restriction vectors', () => {
    const vectors = JSON.parse(readFileSync(restrictionPath, 'utf8')) as { cases: Record<string, Array<{ key: string; allowed: boolean }>> };
    const cases = Object.values(vectors.cases).flat();
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases) expect({ key: c.key, forbidden: isForbiddenNodeLabel(c.key) }).toEqual({ key: c.key, forbidden: !c.allowed });
  });
});

const vectorsPath = new URL('../../../../shared/vectors/jws.json', import.meta.url);
describe.runIf(existsSync(vectorsPath))('control-plane double: JWS against the upstream vectors', () => {
  it('computes every vector exactly and none of the must-fail signatures', () => {
    const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as {
      vectors: Array<{ content: string; token_id: string; token_secret: string; detached: string }>;
      must_fail: Array<{ content: string; token_id: string; token_secret: string; detached: string }>;
    };
    expect(vectors.vectors.length).toBeGreaterThan(2);
    for (const v of vectors.vectors) expect(signDetachedJws(v.content, v.token_id, v.token_secret)).toBe(v.detached);
    for (const v of vectors.must_fail) expect(signDetachedJws(v.content, v.token_id, v.token_secret)).not.toBe(v.detached);
  });
});
