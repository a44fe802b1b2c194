/**
 * The one request kjoin makes without verifying the server's TLS certificate: the anonymous GET of the
 * public kube-public/cluster-info ConfigMap during kubeadm token discovery.
 *
 * Why it cannot be verified: the cluster CA is what discovery is trying to learn. kubeadm itself fetches
 * cluster-info insecurely for the same reason. Why it is safe here:
 *   - nothing secret is sent: no Authorization header, no token, no cookie; the response is public data;
 *   - nothing in the response is trusted until it is authenticated: the kubeconfig must carry a valid
 *     HS256 JWS keyed with the bootstrap token secret (only the cluster and the operator know it), and its CA
 *     must match the operator's --discovery-token-ca-cert-hash pin;
 *   - the certificate presented on this very connection must chain to the CA found inside that signed
 *     kubeconfig (verifyChainToCa below), so an impostor replaying genuine content is still refused;
 *   - every later request (cluster-info again, /version, kubelet-config, the kubelet itself) verifies TLS
 *     against the discovered CA only, and the two cluster-info copies must be identical.
 * The Http port never exposes unverified TLS; this file is the only place that does, for this one read.
 */

import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import type { Clock } from '../io/clock.js';
import { AttemptFailure, HttpRequestError, type AttemptFailureInfo } from '../io/http-errors.js';
import { DEFAULT_RETRY_POLICY, runWithRetries, type RetryPolicy } from '../io/http-retry.js';
import { VERSION } from '../version.js';

export interface UnverifiedResponse {
  statusCode: number;
  body: string;
  /** The certificates the server presented on this connection, PEM, leaf first. */
  peerCertificates: string[];
}

/** One attempt; throws AttemptFailure for network failures so the retry loop can judge them. */
export type UnverifiedGet = (url: string, options: { timeoutMs: number; signal?: AbortSignal }) => Promise<UnverifiedResponse>;

export interface UnverifiedFetchOptions {
  clock: Clock;
  signal?: AbortSignal;
  /** Replaces the node:https attempt (unit tests). */
  get?: UnverifiedGet;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  timeoutMs?: number;
}

/** cluster-info is a few KiB; anything much larger is not a ConfigMap worth reading. */
const MAX_BODY_BYTES = 1024 * 1024;
const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * GETs `url` (https only) without certificate verification, retrying network failures, 5xx and 429 with the
 * same backoff as the Http port. Non-2xx statuses are returned for the caller to explain; a failure after the
 * last attempt throws HttpRequestError (step-failed) naming the address tried.
 */
export async function fetchUnverified(url: string, options: UnverifiedFetchOptions): Promise<UnverifiedResponse> {
  if (new URL(url).protocol !== 'https:') throw new Error(`internal: cluster-info must be fetched over https: ${url}`);
  const get = options.get ?? getOnceUnverified;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const { outcome, attempts } = await runWithRetries(
    {
      policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      clock: options.clock,
      random: options.random ?? Math.random,
      signal: options.signal,
      what: `GET ${url}`,
    },
    () => get(url, { timeoutMs, signal: options.signal }),
    (result) => {
      if (result.ok) return { retry: RETRY_STATUSES.has(result.value.statusCode) };
      return { retry: result.error instanceof AttemptFailure && result.error.info.retryable };
    },
  );
  if (outcome.ok) return outcome.value;
  if (outcome.error instanceof AttemptFailure) throw new HttpRequestError('GET', url, outcome.error.info, attempts);
  throw outcome.error;
}

/** The real attempt, on node:https with a fresh connection so the peer chain belongs to this response. */
export const getOnceUnverified: UnverifiedGet = (url, { timeoutMs, signal }) =>
  new Promise<UnverifiedResponse>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        agent: false,
        // See the file comment: the content is authenticated by the token-keyed JWS, the CA pin, and
        // verifyChainToCa on this connection's certificates. Nothing secret is sent on this request.
        rejectUnauthorized: false,
        headers: { accept: 'application/json', 'user-agent': `kjoin/${VERSION}` },
        timeout: timeoutMs,
        signal,
      },
      (res) => {
        const peerCertificates = collectPeerChain((res.socket as TLSSocket).getPeerCertificate(true));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new AttemptFailure({ kind: 'other', detail: `response larger than ${MAX_BODY_BYTES} bytes`, retryable: false }));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), peerCertificates }));
        res.on('error', (error) => reject(classifyError(error)));
      },
    );
    req.on('timeout', () => req.destroy(new AttemptFailure({ kind: 'timeout', detail: `no answer within ${timeoutMs} ms`, retryable: true })));
    req.on('error', (error) => reject(classifyError(error)));
    req.end();
  });

function classifyError(error: unknown): AttemptFailure {
  if (error instanceof AttemptFailure) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ABORT_ERR') return new AttemptFailure({ kind: 'other', detail: 'aborted', retryable: false });
  if (code === undefined) return new AttemptFailure({ kind: 'other', detail: 'request error', retryable: true });
  const info: AttemptFailureInfo = { kind: 'network', code, retryable: true, notSent: NOT_SENT_CODES.has(code) };
  return new AttemptFailure(info);
}

/** Leaf first, following issuerCertificate links until a self-signed certificate or a repeat. */
function collectPeerChain(leaf: DetailedPeerCertificate | undefined): string[] {
  const pems: string[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = leaf;
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    pems.push(new X509Certificate(current.raw).toString());
    current = current.issuerCertificate;
  }
  return pems;
}

/**
 * True when the first certificate of `peerPems` is signed by one of `caPems`, directly or through
 * intermediates the server also presented. Signatures are checked, not just names.
 */
export function verifyChainToCa(peerPems: readonly string[], caPems: readonly string[]): boolean {
  const parse = (pem: string): X509Certificate | null => {
    try {
      return new X509Certificate(pem);
    } catch {
      return null;
    }
  };
  const cas = caPems.map(parse).filter((c): c is X509Certificate => c !== null);
  const presented = peerPems.map(parse).filter((c): c is X509Certificate => c !== null);
  const signedBy = (child: X509Certificate, issuer: X509Certificate) => child.checkIssued(issuer) && child.verify(issuer.publicKey);
  let current = presented[0];
  // A chain longer than the bundle would be a loop.
  for (let depth = 0; current && depth <= presented.length; depth++) {
    const child: X509Certificate = current;
    if (cas.some((ca) => signedBy(child, ca))) return true;
    current = presented.slice(1).find((candidate) => candidate.ca && signedBy(child, candidate));
  }
  return false;
}
