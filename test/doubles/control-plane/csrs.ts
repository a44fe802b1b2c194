/**
 * certificates.k8s.io/v1 CertificateSigningRequests, with kube-controller-manager folded in: the csrapproving
 * controller auto-approves kubelet client CSRs from bootstrappers (nodeclient) and from a node for itself
 * (selfnodeclient), and the kube-apiserver-client-kubelet signer signs them with the cluster CA.
 *
 * Deliberately stricter than a cluster: a kube-apiserver-client-kubelet CSR that the approver would never
 * approve (wrong subject, SANs, usages) is refused at creation with 422 instead of staying Pending forever,
 * so a kubelet-side mistake fails a test at once instead of timing it out.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { DEFAULT_NODE_TOKEN_GROUP, authorize, type Identity } from './auth.js';
import { formatTime, readJsonObject, type ApiReply, type ApiRequest } from './api.js';
import { isObject, type JsonObject } from './patch.js';
import { CSRS, alreadyExists, invalid, methodNotAllowed, notFound, type FieldError } from './status.js';
import { issueCertificate, parseCertificateRequest, type CertificateAuthority, type ParsedCsr } from './x509.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const KNOWN_USAGES = ['signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc'];
/** certificates.ValidateKubeletClientCSR: exactly one of these usage sets. */
const KUBELET_CLIENT_USAGES = [['digital signature', 'client auth'], ['key encipherment', 'digital signature', 'client auth']];
const DEFAULT_SIGNING_SECONDS = 365 * 86_400;

export type CsrFault = 'csr-pending' | 'csr-denied';

/** kubelet client CSR content rules; null when the signer would accept it. */
function checkKubeletClientCsr(csr: ParsedCsr, usages: readonly string[]): string | null {
  if (csr.organizations.length !== 1 || csr.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (!csr.commonName.startsWith('system:node:') || csr.commonName.length === 'system:node:'.length) return 'subject common name does not begin with system:node:';
  if (csr.subjectAltNames.length > 0) return `${csr.subjectAltNames[0]?.split(':')[0] ?? 'other'} subjectAltNames are not allowed`;
  const wanted = [...new Set(usages)].sort().join(',');
  if (!KUBELET_CLIENT_USAGES.some((set) => [...set].sort().join(',') === wanted)) return `usages did not match [${KUBELET_CLIENT_USAGES.map((s) => s.join(' ')).join('] or [')}]`;
  return null;
}

function validateCsr(body: JsonObject): { errors: FieldError[]; parsed?: ParsedCsr; spec: JsonObject } {
  const spec = isObject(body.spec) ? body.spec : {};
  const errors: FieldError[] = [];
  let parsed: ParsedCsr | undefined;
  if (typeof spec.request !== 'string' || spec.request === '') errors.push({ field: 'spec.request', detail: 'Required value' });
  else {
    try {
      parsed = parseCertificateRequest(Buffer.from(spec.request, 'base64').toString('utf8'));
    } catch (error) {
      errors.push({ field: 'spec.request', detail: `Invalid value: []byte{...}: ${(error as Error).message}` });
    }
  }
  if (typeof spec.signerName !== 'string' || spec.signerName === '') errors.push({ field: 'spec.signerName', detail: 'Required value' });
  const usages = Array.isArray(spec.usages) ? spec.usages.map(String) : [];
  if (usages.length === 0) errors.push({ field: 'spec.usages', detail: 'Required value' });
  usages.forEach((usage, i) => {
    if (!KNOWN_USAGES.includes(usage)) errors.push({ field: `spec.usages[${i}]`, detail: `Unsupported value: "${usage}"` });
  });
  const seconds = spec.expirationSeconds;
  if (seconds !== undefined && (typeof seconds !== 'number' || seconds < 600)) errors.push({ field: 'spec.expirationSeconds', detail: `Invalid value: ${JSON.stringify(seconds)}: may not specify a duration less than 600 seconds (10 minutes)` });
  if (parsed && spec.signerName === KUBELET_CLIENT_SIGNER) {
    const why = checkKubeletClientCsr(parsed, usages);
    if (why) errors.push({ field: 'spec.request', detail: `Invalid value: []byte{...}: x509 CSR for signer "${KUBELET_CLIENT_SIGNER}": ${why}` });
  }
  return { errors, parsed, spec };
}

/** csrapproving: nodeclient for the kubeadm node-token group, selfnodeclient for a node renewing its own. */
function isAutoApproved(identity: Identity, parsed: ParsedCsr): boolean {
  if (identity.kind === 'admin') return true;
  if (identity.groups.includes(DEFAULT_NODE_TOKEN_GROUP)) return true;
  return identity.kind === 'node' && parsed.commonName === identity.user;
}

const condition = (type: string, reason: string, message: string): JsonObject => {
  const now = formatTime(new Date());
  return { type, status: 'True', reason, message, lastUpdateTime: now, lastTransitionTime: now };
};

export class CsrStore {
  readonly byName = new Map<string, JsonObject>();
  readonly changes = new EventEmitter();
  fault: CsrFault | null = null;
  constructor(
    private readonly ca: CertificateAuthority,
    private readonly nextVersion: () => string,
  ) {
    this.changes.setMaxListeners(0);
  }

  list(): JsonObject[] {
    return [...this.byName.values()].map((csr) => structuredClone(csr));
  }

  private save(csr: JsonObject, event: 'ADDED' | 'MODIFIED'): JsonObject {
    (csr.metadata as JsonObject).resourceVersion = this.nextVersion();
    this.byName.set((csr.metadata as JsonObject).name as string, csr);
    this.changes.emit('change', event, structuredClone(csr));
    return structuredClone(csr);
  }

  create(req: ApiRequest): ApiReply {
    const body = readJsonObject(req, ['application/json'], 'CertificateSigningRequest', 'certificates.k8s.io/v1');
    authorize(req.identity, { verb: 'create', resource: CSRS, name: '' });
    const metadata = isObject(body.metadata) ? body.metadata : {};
    const generated = typeof metadata.generateName === 'string' ? `${metadata.generateName}${randomBytes(4).toString('hex').slice(0, 5)}` : '';
    const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : generated;
    const { errors, parsed, spec } = validateCsr(body);
    if (name === '') errors.unshift({ field: 'metadata.name', detail: 'Required value: name or generateName is required' });
    if (errors.length > 0 || !parsed) throw invalid(CSRS, name, errors);
    if (this.byName.has(name)) throw alreadyExists(CSRS, name);
    const csr: JsonObject = {
      kind: 'CertificateSigningRequest',
      apiVersion: 'certificates.k8s.io/v1',
      metadata: { ...metadata, name, uid: randomUUID(), creationTimestamp: formatTime(new Date()) },
      spec: { ...spec, username: req.identity.user, groups: req.identity.groups },
      status: {},
    };
    const created = this.save(csr, 'ADDED');
    if (spec.signerName === KUBELET_CLIENT_SIGNER && isAutoApproved(req.identity, parsed)) this.decide(name, parsed);
    return { status: 201, body: created };
  }

  /** What the approver and signer controllers would do, right away. */
  private decide(name: string, parsed: ParsedCsr): void {
    if (this.fault === 'csr-pending') return;
    const csr = structuredClone(this.byName.get(name) as JsonObject);
    const spec = csr.spec as JsonObject;
    if (this.fault === 'csr-denied') {
      csr.status = { conditions: [condition('Denied', 'AutoDenied', 'Denied by the control-plane double (fault csr-denied).')] };
      this.save(csr, 'MODIFIED');
      return;
    }
    const usages = (spec.usages as string[]) ?? [];
    const certificate = issueCertificate(this.ca, {
      subject: [['O', 'system:nodes'], ['CN', parsed.commonName]],
      publicKey: parsed.publicKey,
      purpose: 'client',
      keyEncipherment: usages.includes('key encipherment'),
      validitySeconds: typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_SIGNING_SECONDS,
    });
    csr.status = {
      conditions: [condition('Approved', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.')],
      certificate: Buffer.from(certificate, 'utf8').toString('base64'),
    };
    this.save(csr, 'MODIFIED');
  }

  handle(req: ApiRequest, segments: readonly string[]): ApiReply {
    const [name, ...extra] = segments;
    if (extra.length > 0) throw methodNotAllowed();
    if (name === undefined && req.method === 'POST') return this.create(req);
    if (req.method !== 'GET') throw methodNotAllowed();
    if (name !== undefined) {
      authorize(req.identity, { verb: 'get', resource: CSRS, name });
      const csr = this.byName.get(name);
      if (!csr) throw notFound(CSRS, name);
      return { status: 200, body: structuredClone(csr) };
    }
    const watching = req.query.get('watch') === 'true' || req.query.get('watch') === '1';
    authorize(req.identity, { verb: watching ? 'watch' : 'list', resource: CSRS, name: '' });
    const selector = /^metadata\.name=(.+)$/.exec(req.query.get('fieldSelector') ?? '');
    const matches = (csr: JsonObject) => !selector || (csr.metadata as JsonObject).name === selector[1];
    if (watching) return { stream: (res) => this.streamWatch(res, matches, Number(req.query.get('timeoutSeconds') ?? 1800)) };
    return { status: 200, body: { kind: 'CertificateSigningRequestList', apiVersion: 'certificates.k8s.io/v1', metadata: {}, items: this.list().filter(matches) } };
  }

  /** A watch: ADDED for what exists, then every change, one JSON event per line, until the timeout. */
  private streamWatch(res: ServerResponse, matches: (csr: JsonObject) => boolean, timeoutSeconds: number): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const send = (type: string, object: JsonObject) => {
      if (matches(object)) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    for (const csr of this.list()) send('ADDED', csr);
    const listener = (type: string, object: JsonObject) => send(type, object);
    this.changes.on('change', listener);
    const timer = setTimeout(() => res.end(), Math.max(1, timeoutSeconds) * 1000);
    res.on('close', () => {
      clearTimeout(timer);
      this.changes.off('change', listener);
    });
  }
}
