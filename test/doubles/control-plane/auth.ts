/**
 * Who a request is (authentication, in kube-apiserver's union order: client certificate, then bearer token,
 * else anonymous) and what that identity may do (the RBAC bindings a kubeadm cluster has for it).
 */

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CONFIGMAPS, CSRS, NODES, forbiddenByRbac, unauthorized, type ApiError, type ResourceRef } from './status.js';

export type BootstrapUsage = 'authentication' | 'signing';

export interface BootstrapTokenSpec {
  id: string;
  secret: string;
  /** Default: both, as `kubeadm token create` makes them. */
  usages?: BootstrapUsage[];
  /** When the token stops working (an expired token is refused, and drops out of cluster-info). */
  expiration?: Date | string;
  /** Default: ['system:bootstrappers:kubeadm:default-node-token'], kubeadm's default. */
  extraGroups?: string[];
}

export interface Identity {
  kind: 'anonymous' | 'bootstrap' | 'node' | 'admin';
  user: string;
  groups: string[];
  /** For node identities: the Node it may touch. */
  nodeName?: string;
}

export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ANONYMOUS: Identity = { kind: 'anonymous', user: 'system:anonymous', groups: ['system:unauthenticated'] };

export function isTokenExpired(token: BootstrapTokenSpec, now: Date): boolean {
  if (token.expiration === undefined) return false;
  const at = new Date(token.expiration).getTime();
  // cluster-bootstrap treats an unparseable expiration as expired.
  return Number.isNaN(at) || at - now.getTime() <= 0;
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface Credentials {
  tokens: ReadonlyMap<string, BootstrapTokenSpec>;
  adminToken: string;
  now(): Date;
  /**
   * Bearer tokens of another authenticator (Kosmos node secret keys, see kosmos.ts): the identity, or null
   * when the token is not one of its own. Asked after the admin token, before bootstrap tokens.
   */
  authenticateToken?(token: string): Identity | null;
}

function identityFromCertificate(req: IncomingMessage): Identity | 'invalid' | null {
  const socket = req.socket as TLSSocket;
  const peer = socket.getPeerCertificate?.();
  if (!peer || Object.keys(peer).length === 0) return null;
  if (!socket.authorized) return 'invalid';
  const rawCn: unknown = peer.subject.CN;
  const user = typeof rawCn === 'string' ? rawCn : '';
  const rawOrg: unknown = peer.subject.O;
  const groups = Array.isArray(rawOrg) ? rawOrg.map(String) : typeof rawOrg === 'string' ? [rawOrg] : [];
  if (groups.includes('system:masters')) return { kind: 'admin', user, groups: [...groups, 'system:authenticated'] };
  if (user.startsWith('system:node:') && groups.includes('system:nodes')) {
    return { kind: 'node', user, groups: [...groups, 'system:authenticated'], nodeName: user.slice('system:node:'.length) };
  }
  // A valid certificate for some other user: authenticated, but no binding grants it anything here.
  return { kind: 'anonymous', user, groups: [...groups, 'system:authenticated'] };
}

function identityFromToken(token: string, credentials: Credentials): Identity | 'invalid' {
  if (sameSecret(token, credentials.adminToken)) return { kind: 'admin', user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
  const other = credentials.authenticateToken?.(token);
  if (other) return other;
  const match = TOKEN_PATTERN.exec(token);
  const spec = match ? credentials.tokens.get(match[1] as string) : undefined;
  if (!match || !spec || !sameSecret(match[2] as string, spec.secret)) return 'invalid';
  if (isTokenExpired(spec, credentials.now())) return 'invalid';
  if (!(spec.usages ?? ['authentication', 'signing']).includes('authentication')) return 'invalid';
  const extra = [...new Set(spec.extraGroups ?? [DEFAULT_NODE_TOKEN_GROUP])].sort();
  return { kind: 'bootstrap', user: `system:bootstrap:${spec.id}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}

/** The request's identity; throws the 401 Status for a bad certificate or token (never naming the token). */
export function authenticate(req: IncomingMessage, credentials: Credentials): Identity {
  const fromCert = identityFromCertificate(req);
  if (fromCert !== null && fromCert !== 'invalid') return fromCert;
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const identity = match ? identityFromToken(match[1] as string, credentials) : 'invalid';
    if (identity === 'invalid') throw unauthorized();
    return identity;
  }
  if (fromCert === 'invalid') throw unauthorized();
  return ANONYMOUS;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface Access {
  verb: Verb;
  resource: ResourceRef;
  subresource?: string;
  namespace?: string;
  name: string;
}

/** The bindings of a kubeadm v1.31 cluster that matter to a joining node. */
function isAllowed(identity: Identity, access: Access): boolean {
  if (identity.kind === 'admin') return true;
  const { verb, resource, namespace, name } = access;
  const inGroup = (group: string) => identity.groups.includes(group);
  if (resource === CONFIGMAPS) {
    // kubeadm:bootstrap-signer-clusterinfo is bound to the user system:anonymous only.
    if (namespace === 'kube-public' && name === 'cluster-info' && verb === 'get') return identity.user === 'system:anonymous';
    // kubeadm:kubelet-config: system:nodes and the default node-token group.
    return namespace === 'kube-system' && name === 'kubelet-config' && verb === 'get' && (inGroup('system:nodes') || inGroup(DEFAULT_NODE_TOKEN_GROUP));
  }
  if (resource === CSRS) {
    // system:node-bootstrapper (bound by kubeadm to the default node-token group) and system:node.
    return ['create', 'get', 'list', 'watch'].includes(verb) && (inGroup(DEFAULT_NODE_TOKEN_GROUP) || inGroup('system:nodes'));
  }
  if (resource === NODES) {
    // The node authorizer lets kubelets read and write Nodes; NodeRestriction then limits them to their own.
    // Listing all Nodes is kept for the admin here, so a test notices a kubelet-side list.
    return identity.kind === 'node' && verb !== 'list' && verb !== 'watch';
  }
  return false;
}

/** Throws RBAC's Forbidden Status unless `identity` may do `access`. */
export function authorize(identity: Identity, access: Access): void {
  if (!isAllowed(identity, access)) throw forbiddenByRbac(identity.user, access.verb, access.resource, access.name, access.namespace, access.subresource);
}

export type { ApiError };
