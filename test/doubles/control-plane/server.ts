import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { authenticate, authorize, isTokenExpired, type BootstrapTokenSpec, type Credentials, type Identity } from './auth.js';
import { formatTime, type ApiReply, type ApiRequest } from './api.js';
import { renderClusterInfoKubeconfig, renderKubeadmKubeletConfig, signDetachedJws } from './cluster-info.js';
import { CsrStore, type CsrFault } from './csrs.js';
import { Kosmos, type KosmosNodeRecord, type KosmosOptions } from './kosmos.js';
import { NodeStore, handleNodes } from './nodes.js';
import type { JsonObject } from './patch.js';
import { ApiError, CONFIGMAPS, methodNotAllowed, notFound, notFoundPath, serviceUnavailable } from './status.js';
import { computeCaPin, createCertificateAuthority, generateEcKey, issueCertificate } from './x509.js';

export type { BootstrapTokenSpec } from './auth.js';
export type { KosmosNodeRecord, KosmosOptions, KosmosTaint } from './kosmos.js';
export { signDetachedJws } from './cluster-info.js';
export { createCertificateRequest, generateEcKey } from './x509.js';

/**
 * A strict kube-apiserver double over HTTPS on 127.0.0.1 (with kube-controller-manager's CSR approver and
 * signer folded in), optionally fronted by the Scaleway Kosmos API on the same port. The CA, serving
 * certificate and admin credentials are generated at start. See auth.ts for identities and RBAC, nodes.ts
 * for NodeRestriction, csrs.ts for TLS bootstrap, kosmos.ts for the Scaleway side and its assumptions.
 *
 * Faults (setFault): 'csr-pending' (the approver never acts), 'csr-denied' (it denies), 'fail-times:<n>'
 * (the next n Kubernetes API requests get 503 ServiceUnavailable). setFault(null) clears them all.
 */
export type ControlPlaneFault = CsrFault | `fail-times:${number}`;

export interface ControlPlaneOptions {
  /** Kubernetes version served by /version, without or with the leading v. Default 1.31.2. */
  version?: string;
  tokens?: BootstrapTokenSpec[];
  kosmos?: KosmosOptions;
  /** data.kubelet of kube-system/kubelet-config; default what kubeadm v1.31 uploads. */
  kubeletConfig?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** One line per request, for the CLI. Never carries a credential. */
  log?: (line: string) => void;
}

export interface RequestRecord {
  method: string;
  /** Path without the query string. */
  path: string;
  /**
   * The user the request authenticated as (system:anonymous, system:bootstrap:<id>, system:node:<name>, scw:user,
   * scw:node:<id>; a Kosmos node_secret_key at the API server is system:bootstrap:kosmos-<node id>).
   */
  identity: string;
  status: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port>, no trailing slash. Also SCW_API_URL when kosmos is on. */
  url: string;
  port: number;
  version: string;
  caPem: string;
  /** sha256:<hex> of the CA's SubjectPublicKeyInfo (--discovery-token-ca-cert-hash). */
  caPin: string;
  /** "<id>.<secret>" of the first configured token, if any. */
  joinToken?: string;
  /** A static token that authenticates as kubernetes-admin (system:masters). */
  adminToken: string;
  /** A client certificate for kubernetes-admin (system:masters), PEM. */
  adminCertPem: string;
  adminKeyPem: string;
  nodes(): JsonObject[];
  node(name: string): JsonObject | undefined;
  csrs(): JsonObject[];
  requests: RequestRecord[];
  addToken(token: BootstrapTokenSpec): void;
  kosmos?: { region: string; poolId: string; clusterId: string; secretKey: string; nodes(): KosmosNodeRecord[] };
  setFault(fault: ControlPlaneFault | null): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const API_SERVER_SANS = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];

function versionInfo(version: string): Record<string, string> {
  const [major = '', minor = ''] = version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: createHash('sha1').update(`kubernetes v${version}`).digest('hex'),
    gitTreeState: 'clean',
    buildDate: '2024-10-22T20:28:14Z',
    goVersion: 'go1.22.8',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const version = (options.version ?? '1.31.2').replace(/^v/, '');
  const ca = createCertificateAuthority();
  const serving = generateEcKey();
  const servingCert = issueCertificate(ca, { subject: [['CN', 'kube-apiserver']], publicKey: serving.publicKey, purpose: 'server', dnsNames: API_SERVER_SANS, ips: ['127.0.0.1'], validitySeconds: 365 * 86_400 });
  const admin = generateEcKey();
  const adminCertPem = issueCertificate(ca, { subject: [['O', 'system:masters'], ['CN', 'kubernetes-admin']], publicKey: admin.publicKey, purpose: 'client', validitySeconds: 365 * 86_400 });
  const adminToken = randomBytes(24).toString('hex');
  const tokens = new Map<string, BootstrapTokenSpec>((options.tokens ?? []).map((t) => [t.id, t]));
  let kosmos: Kosmos | undefined;
  const credentials: Credentials = { tokens, adminToken, now: () => new Date(), authenticateToken: (token) => kosmos?.authenticateNodeKey(token) ?? null };
  let resourceVersion = 1000;
  const nextVersion = () => String(++resourceVersion);
  const nodes = new NodeStore(nextVersion);
  const csrs = new CsrStore(ca, nextVersion);
  const created = formatTime(new Date());
  const configMapMeta = (namespace: string, name: string) => ({ name, namespace, uid: createHash('sha1').update(`${namespace}/${name}`).digest('hex'), resourceVersion: '1', creationTimestamp: created });
  const requests: RequestRecord[] = [];
  let failTimes = 0;
  let url = '';

  function clusterInfo(): JsonObject {
    const kubeconfig = renderClusterInfoKubeconfig(url, ca.certPem);
    const data: Record<string, string> = { kubeconfig };
    for (const token of tokens.values()) {
      if ((token.usages ?? ['authentication', 'signing']).includes('signing') && !isTokenExpired(token, new Date())) data[`jws-kubeconfig-${token.id}`] = signDetachedJws(kubeconfig, token.id, token.secret);
    }
    return { kind: 'ConfigMap', apiVersion: 'v1', metadata: configMapMeta('kube-public', 'cluster-info'), data };
  }

  function handleConfigMap(req: ApiRequest, namespace: string, name: string | undefined): ApiReply {
    if (name === undefined || req.method !== 'GET') throw methodNotAllowed();
    authorize(req.identity, { verb: 'get', resource: CONFIGMAPS, namespace, name });
    if (namespace === 'kube-public' && name === 'cluster-info') return { status: 200, body: clusterInfo() };
    if (namespace === 'kube-system' && name === 'kubelet-config') {
      return { status: 200, body: { kind: 'ConfigMap', apiVersion: 'v1', metadata: configMapMeta(namespace, name), data: { kubelet: options.kubeletConfig ?? renderKubeadmKubeletConfig() } } };
    }
    throw notFound(CONFIGMAPS, name);
  }

  function route(req: ApiRequest): ApiReply {
    if (failTimes > 0) {
      failTimes -= 1;
      throw serviceUnavailable();
    }
    const path = req.path.replace(/\/+$/, '') || '/';
    if (path === '/version' && req.method === 'GET') return { status: 200, body: versionInfo(version) };
    if (['/healthz', '/livez', '/readyz'].includes(path) && req.method === 'GET') return { status: 200, body: 'ok' };
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, group, groupVersion, ...rest] = segments;
    if (root === 'api' && group === 'v1') {
      const tail = [groupVersion, ...rest].filter((s): s is string => s !== undefined);
      if (tail[0] === 'nodes') return handleNodes(req, nodes, tail.slice(1));
      if (tail[0] === 'namespaces' && tail[1] !== undefined && tail[2] === 'configmaps' && tail.length <= 4) return handleConfigMap(req, tail[1], tail[3]);
    }
    if (root === 'apis' && group === 'certificates.k8s.io' && groupVersion === 'v1' && rest[0] === 'certificatesigningrequests') return csrs.handle(req, rest.slice(1));
    throw notFoundPath();
  }

  function send(res: ServerResponse, reply: ApiReply): number {
    if ('stream' in reply) {
      reply.stream(res);
      return 200;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'Content-Type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return reply.status;
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<RequestRecord> {
    const parsed = new URL(req.url ?? '/', 'https://control-plane');
    const record: RequestRecord = { method: req.method ?? 'GET', path: parsed.pathname, identity: 'system:anonymous', status: 0 };
    const body = await readBody(req);
    const apiRequest: ApiRequest = {
      method: record.method,
      path: parsed.pathname,
      query: parsed.searchParams,
      identity: { kind: 'anonymous', user: 'system:anonymous', groups: [] } as Identity,
      contentType: (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
      body: body ?? Buffer.alloc(0),
      remoteAddress: req.socket.remoteAddress ?? '',
      headers: req.headers,
    };
    try {
      if (body === null) throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge', code: 413 });
      if (kosmos && parsed.pathname.startsWith('/k8s/')) {
        record.identity = kosmos.describeCaller(apiRequest);
        record.status = send(res, kosmos.handle(apiRequest));
        return record;
      }
      apiRequest.identity = authenticate(req, credentials);
      record.identity = apiRequest.identity.user;
      record.status = send(res, route(apiRequest));
    } catch (error) {
      const status = error instanceof ApiError ? error.body : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: ${(error as Error).message}`, reason: 'InternalError', code: 500 };
      record.status = send(res, { status: status.code, body: status });
    }
    return record;
  }

  const server = createServer({ key: serving.privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: servingCert, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    answer(req, res).then(
      (record) => {
        requests.push(record);
        options.log?.(`${record.method} ${record.path} ${record.status} ${record.identity}`);
      },
      (error: unknown) => {
        options.log?.(`${req.method} ${req.url} 500 ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'Content-Length': 0 });
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `https://127.0.0.1:${port}`;
  if (options.kosmos) {
    kosmos = new Kosmos(options.kosmos, {
      url,
      caPem: ca.certPem,
      version,
      addToken: (token) => tokens.set(token.id, token),
      revokeToken: (id) => tokens.delete(id),
      deleteKubernetesNode: (name) => nodes.delete(name),
      isNodeReady: (name) => {
        const node = nodes.byName.get(name);
        if (!node) return null;
        const conditions = ((node.status as JsonObject | undefined)?.conditions ?? []) as JsonObject[];
        return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      },
    });
  }
  const first = options.tokens?.[0];

  return {
    url,
    port,
    version,
    caPem: ca.certPem,
    caPin: computeCaPin(ca.certPem),
    joinToken: first ? `${first.id}.${first.secret}` : undefined,
    adminToken,
    adminCertPem,
    adminKeyPem: admin.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    nodes: () => nodes.list(),
    node: (name) => (nodes.byName.has(name) ? structuredClone(nodes.byName.get(name)) : undefined),
    csrs: () => csrs.list(),
    requests,
    addToken: (token) => tokens.set(token.id, token),
    kosmos: kosmos && { region: kosmos.region, poolId: kosmos.poolId, clusterId: kosmos.clusterId, secretKey: kosmos.secretKey, nodes: () => (kosmos as Kosmos).nodes() },
    setFault(fault) {
      if (fault === null) {
        failTimes = 0;
        csrs.fault = null;
      } else if (fault === 'csr-pending' || fault === 'csr-denied') csrs.fault = fault;
      else {
        const match = /^fail-times:(\d+)$/.exec(fault);
        if (!match) throw new Error(`control plane: unknown fault ${JSON.stringify(fault)}`);
        failTimes = Number(match[1]);
      }
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

