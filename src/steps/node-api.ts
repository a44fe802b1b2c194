import { parse } from 'yaml';
import type { StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import type { HttpResponse } from '../io/http.js';
import { PATHS } from '../render/paths.js';

/**
 * The node's own API credential: the kubeconfig the kubelet wrote after its TLS bootstrap
 * (/etc/kubernetes/kubelet.conf, client certificate in /var/lib/kubelet/pki). kjoin talks to the API server as
 * the node itself (system:node:<name>), so NodeRestriction limits it to its own Node object.
 */
export interface NodeCredentials {
  server: string;
  caPem: string;
  cert: string;
  key: string;
}

type Mapping = Record<string, unknown>;

function first(list: unknown, field: string): Mapping | undefined {
  const item = Array.isArray(list) ? (list[0] as Mapping | undefined) : undefined;
  return item?.[field] as Mapping | undefined;
}

async function readPemField(ctx: StepContext, entry: Mapping, dataKey: string, fileKey: string): Promise<string | null> {
  const data = entry[dataKey];
  if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
  const file = entry[fileKey];
  return typeof file === 'string' ? ctx.ports.fs.readTextOrNull(file) : null;
}

/** The node credential, or null while the kubelet has not finished its TLS bootstrap. */
export async function readNodeCredentials(ctx: StepContext): Promise<NodeCredentials | null> {
  const text = await ctx.ports.fs.readTextOrNull(PATHS.kubeletKubeconfig);
  if (text === null) return null;
  let doc: Mapping;
  try {
    doc = parse(text) as Mapping;
  } catch {
    return null;
  }
  const cluster = first(doc.clusters, 'cluster');
  const user = first(doc.users, 'user');
  if (!cluster || !user || typeof cluster.server !== 'string') return null;
  const caPem = (await readPemField(ctx, cluster, 'certificate-authority-data', 'certificate-authority')) ?? ctx.cluster?.caPem ?? null;
  const cert = await readPemField(ctx, user, 'client-certificate-data', 'client-certificate');
  const key = await readPemField(ctx, user, 'client-key-data', 'client-key');
  if (!caPem || !cert || !key) return null;
  return { server: cluster.server, caPem, cert, key };
}

/** One API request as the node; the response comes back whatever its status. */
export async function requestAsNode(ctx: StepContext, creds: NodeCredentials, method: 'GET' | 'PATCH', path: string, body?: unknown): Promise<HttpResponse> {
  const url = `${creds.server.replace(/\/+$/, '')}${path}`;
  return ctx.ports.http.request({
    method,
    url,
    ca: creds.caPem,
    clientCert: { cert: creds.cert, key: creds.key },
    json: body,
    headers: method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : undefined,
    signal: ctx.signal,
    retryUnsafe: method === 'PATCH', // a merge patch of the same annotations is idempotent
  });
}

export interface NodeCondition {
  type: string;
  status: string;
  lastHeartbeatTime?: string;
  reason?: string;
  message?: string;
}

export interface NodeView {
  name: string;
  annotations: Record<string, string>;
  conditions: NodeCondition[];
}

/** GET the node; null when it does not exist yet (404); KjoinError for a refused credential. */
export async function getNode(ctx: StepContext, creds: NodeCredentials, name: string): Promise<NodeView | null> {
  const response = await requestAsNode(ctx, creds, 'GET', `/api/v1/nodes/${encodeURIComponent(name)}`);
  if (response.statusCode === 404) return null;
  if (response.statusCode === 401 || response.statusCode === 403) {
    throw new KjoinError('refused', `the API server refused the node's own credential (HTTP ${response.statusCode}) reading node ${name}`, {
      hint: `check ${PATHS.kubeletKubeconfig} and that the node name matches the certificate (system:node:${name})`,
    });
  }
  if (response.statusCode !== 200) {
    throw new KjoinError('step-failed', `reading node ${name} failed with HTTP ${response.statusCode}`, { hint: 'see the API server logs' });
  }
  const node = JSON.parse(response.body) as { metadata?: { name?: string; annotations?: Record<string, string> }; status?: { conditions?: NodeCondition[] } };
  return { name: node.metadata?.name ?? name, annotations: node.metadata?.annotations ?? {}, conditions: node.status?.conditions ?? [] };
}

/** Ready, and (with `since`) reported by a kubelet heartbeat after that moment, so a stale Ready never counts. */
export function isReady(node: NodeView, since?: Date): boolean {
  return node.conditions.some(
    (c) => c.type === 'Ready' && c.status === 'True' && (!since || (c.lastHeartbeatTime !== undefined && Date.parse(c.lastHeartbeatTime) >= since.getTime())),
  );
}
