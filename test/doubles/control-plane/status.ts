/**
 * metav1.Status bodies with the messages kube-apiserver writes (k8s.io/apimachinery/pkg/api/errors), so a
 * client's error handling is exercised against the real shapes.
 */

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

/** An error the router turns into a Status response. */
export class ApiError extends Error {
  constructor(readonly body: StatusBody) {
    super(body.message);
  }
}

const failure = (code: number, reason: string, message: string, details?: Record<string, unknown>): ApiError =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });

/** A resource as the errors name it: plural resource, API group, and the Kind for Invalid. */
export interface ResourceRef {
  resource: string;
  group: string;
  kind: string;
}

export const NODES: ResourceRef = { resource: 'nodes', group: '', kind: 'Node' };
export const CONFIGMAPS: ResourceRef = { resource: 'configmaps', group: '', kind: 'ConfigMap' };
export const CSRS: ResourceRef = { resource: 'certificatesigningrequests', group: 'certificates.k8s.io', kind: 'CertificateSigningRequest' };

const qualified = (ref: ResourceRef): string => (ref.group ? `${ref.resource}.${ref.group}` : ref.resource);
const named = (ref: ResourceRef, name: string): string => (name ? `${qualified(ref)} "${name}"` : qualified(ref));

export const unauthorized = (): ApiError => failure(401, 'Unauthorized', 'Unauthorized');

/** RBAC's refusal: `nodes is forbidden: User "x" cannot create resource "nodes" in API group "" at the cluster scope`. */
export function forbiddenByRbac(user: string, verb: string, ref: ResourceRef, name: string, namespace?: string, subresource?: string): ApiError {
  const resource = subresource ? `${ref.resource}/${subresource}` : ref.resource;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const message = `${named(ref, name)} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${ref.group}" ${scope}`;
  return failure(403, 'Forbidden', message, { ...(name ? { name } : {}), ...(ref.group ? { group: ref.group } : {}), kind: ref.resource });
}

/** An admission plugin's refusal (NodeRestriction): `nodes "a" is forbidden: <why>`. */
export function forbiddenByAdmission(ref: ResourceRef, name: string, why: string): ApiError {
  return failure(403, 'Forbidden', `${named(ref, name)} is forbidden: ${why}`, { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.resource });
}

export const notFound = (ref: ResourceRef, name: string): ApiError =>
  failure(404, 'NotFound', `${named(ref, name)} not found`, { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.resource });

export const alreadyExists = (ref: ResourceRef, name: string): ApiError =>
  failure(409, 'AlreadyExists', `${named(ref, name)} already exists`, { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.resource });

export interface FieldError {
  field: string;
  /** e.g. `Required value`, `Invalid value: "x": must be ...`. */
  detail: string;
}

export function invalid(ref: ResourceRef, name: string, errors: readonly FieldError[]): ApiError {
  const list = errors.map((e) => `${e.field}: ${e.detail}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const kind = ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
  const causes = errors.map((e) => ({ reason: e.detail.startsWith('Required') ? 'FieldValueRequired' : 'FieldValueInvalid', message: e.detail, field: e.field }));
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.kind, causes });
}

export const badRequest = (message: string): ApiError => failure(400, 'BadRequest', message);

export const notFoundPath = (): ApiError => failure(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });

export const methodNotAllowed = (): ApiError => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

export const serviceUnavailable = (): ApiError => failure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');

export function success(ref: ResourceRef, name: string, uid: string): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.resource, uid }, code: 200 };
}
