/**
 * /api/v1/nodes: create, get, list (admin), merge/strategic PATCH of the Node and of nodes/status, delete.
 * Order of checks as in kube-apiserver: authorization, then NodeRestriction admission, then validation.
 */

import { randomUUID } from 'node:crypto';
import { authorize, type Identity, type Verb } from './auth.js';
import { DNS_SUBDOMAIN, checkLabel, formatTime, readJsonObject, readPatch, type ApiReply, type ApiRequest } from './api.js';
import { admitNodeChange, type NodeLike } from './node-restriction.js';
import { applyMergePatch, applyStrategicPatch, isObject, type Json, type JsonObject } from './patch.js';
import { NODES, forbiddenByAdmission, invalid, methodNotAllowed, notFound, alreadyExists, success, type FieldError } from './status.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Nodes by name, with the cluster-wide resourceVersion counter the double shares between kinds. */
export class NodeStore {
  readonly byName = new Map<string, JsonObject>();
  constructor(private readonly nextVersion: () => string) {}

  list(): JsonObject[] {
    return [...this.byName.values()].map((node) => structuredClone(node));
  }

  /** Stores `node` with a fresh resourceVersion and returns a copy. */
  save(node: JsonObject): JsonObject {
    const metadata = node.metadata as JsonObject;
    metadata.resourceVersion = this.nextVersion();
    this.byName.set(metadata.name as string, node);
    return structuredClone(node);
  }

  delete(name: string): boolean {
    return this.byName.delete(name);
  }
}

function validateNode(node: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const metadata = isObject(node.metadata) ? node.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (name === '') errors.push({ field: 'metadata.name', detail: 'Required value: name or generateName is required' });
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) errors.push({ field: 'metadata.name', detail: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` });
  for (const [key, value] of Object.entries(isObject(metadata.labels) ? metadata.labels : {})) {
    const problem = typeof value === 'string' ? checkLabel(key, value) : `Invalid value: ${JSON.stringify(value)}: label values must be strings`;
    if (problem) errors.push({ field: 'metadata.labels', detail: problem });
  }
  const spec = isObject(node.spec) ? node.spec : {};
  const taints = Array.isArray(spec.taints) ? spec.taints : [];
  taints.forEach((taint, i) => {
    const t = isObject(taint) ? taint : {};
    if (typeof t.key !== 'string' || t.key === '') errors.push({ field: `spec.taints[${i}].key`, detail: 'Required value' });
    if (!TAINT_EFFECTS.includes(String(t.effect))) errors.push({ field: `spec.taints[${i}].effect`, detail: `Unsupported value: "${String(t.effect ?? '')}": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"` });
  });
  return errors;
}

function admit(identity: Identity, requestedName: string, after: JsonObject | null, before: JsonObject | undefined): void {
  if (identity.kind !== 'node') return;
  const why = admitNodeChange(identity.nodeName as string, requestedName, after as NodeLike | null, before as NodeLike | undefined);
  if (why !== null) throw forbiddenByAdmission(NODES, requestedName, why);
}

function createNode(req: ApiRequest, store: NodeStore): ApiReply {
  const body = readJsonObject(req, ['application/json'], 'Node', 'v1');
  const metadata = isObject(body.metadata) ? body.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  authorize(req.identity, { verb: 'create', resource: NODES, name: '' });
  admit(req.identity, name, body, undefined);
  const errors = validateNode(body);
  if (errors.length > 0) throw invalid(NODES, name, errors);
  if (store.byName.has(name)) throw alreadyExists(NODES, name);
  const node: JsonObject = {
    kind: 'Node',
    apiVersion: 'v1',
    ...body,
    metadata: { ...metadata, uid: randomUUID(), creationTimestamp: formatTime(new Date()) },
    spec: isObject(body.spec) ? body.spec : {},
    status: isObject(body.status) ? body.status : {},
  };
  return { status: 201, body: store.save(node) };
}

/** The object after a PATCH, keeping what the endpoint may not change (status on the Node, all but status on /status). */
function patchedNode(current: JsonObject, req: ApiRequest, subresource: string | undefined): JsonObject {
  const { type, patch } = readPatch(req);
  const merged = (type === 'merge' ? applyMergePatch(current, patch) : applyStrategicPatch(current, patch)) as JsonObject;
  const oldMeta = current.metadata as JsonObject;
  const newMeta = isObject(merged.metadata) ? merged.metadata : {};
  const metadata: JsonObject = { ...newMeta, name: oldMeta.name as Json, uid: oldMeta.uid as Json, creationTimestamp: oldMeta.creationTimestamp as Json };
  if (subresource === 'status') return { ...current, status: (merged.status ?? {}) as Json };
  return { ...merged, kind: 'Node', apiVersion: 'v1', metadata, status: current.status as Json };
}

export function handleNodes(req: ApiRequest, store: NodeStore, segments: readonly string[]): ApiReply {
  const [name, subresource, ...extra] = segments;
  if (extra.length > 0 || (subresource !== undefined && subresource !== 'status')) throw methodNotAllowed();
  const access = (verb: Verb) => authorize(req.identity, { verb, resource: NODES, name: name ?? '', subresource });
  if (name === undefined) {
    if (req.method === 'POST') return createNode(req, store);
    if (req.method !== 'GET') throw methodNotAllowed();
    access(req.query.get('watch') === 'true' || req.query.get('watch') === '1' ? 'watch' : 'list');
    return { status: 200, body: { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(store.list().length) }, items: store.list() } };
  }
  const method = req.method;
  if (method === 'GET') {
    access('get');
    const node = store.byName.get(name);
    if (!node) throw notFound(NODES, name);
    return { status: 200, body: structuredClone(node) };
  }
  if (method === 'PATCH') {
    access('patch');
    const current = store.byName.get(name);
    if (!current) throw notFound(NODES, name);
    const next = patchedNode(current, req, subresource);
    admit(req.identity, name, next, current);
    const errors = validateNode(next);
    if (errors.length > 0) throw invalid(NODES, name, errors);
    return { status: 200, body: store.save(next) };
  }
  if (method === 'DELETE' && subresource === undefined) {
    access('delete');
    const current = store.byName.get(name);
    if (!current) throw notFound(NODES, name);
    admit(req.identity, name, null, current);
    store.delete(name);
    return { status: 200, body: success(NODES, name, String((current.metadata as JsonObject).uid)) };
  }
  throw methodNotAllowed();
}
