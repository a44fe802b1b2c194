import { KjoinError } from '../errors.js';

/**
 * Why one attempt failed, in terms safe to print: got's own errors carry the request options (headers
 * such as X-Auth-Token or Authorization), so they are reduced to this and never passed on as a cause.
 */
export interface AttemptFailureInfo {
  kind: 'status' | 'network' | 'timeout' | 'tls' | 'proxy' | 'incomplete' | 'other';
  statusCode?: number;
  statusMessage?: string;
  /** Node/OpenSSL error code (ECONNRESET, SELF_SIGNED_CERT_IN_CHAIN...). */
  code?: string;
  /** A short, secret-free explanation (the TLS verification reason, the timed-out phase...). */
  detail?: string;
  /** True when the request cannot have reached the server (refused, DNS), so even a POST may be repeated. */
  notSent?: boolean;
  retryable: boolean;
  /** From a Retry-After header. */
  retryAfterMs?: number;
  /** The proxy the request went through, so "connection refused" is not blamed on the server. */
  viaProxy?: string;
}

/** Thrown by one attempt inside the retry loop; turned into an HttpRequestError when attempts run out. */
export class AttemptFailure extends Error {
  constructor(readonly info: AttemptFailureInfo) {
    super(info.kind);
    this.name = 'AttemptFailure';
  }
}

/** A failed HTTP exchange. `statusCode` lets providers turn 401/403/404 into a 'refused' error. */
export class HttpRequestError extends KjoinError {
  readonly method: string;
  /** Redacted: no credentials, no secret query values. */
  readonly url: string;
  readonly statusCode?: number;
  readonly networkCode?: string;
  readonly attempts: number;

  constructor(method: string, url: string, info: AttemptFailureInfo, attempts: number) {
    const safeUrl = redactUrl(url);
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const via = info.viaProxy ? ` via proxy ${redactUrl(info.viaProxy)}` : '';
    super('step-failed', `${method} ${safeUrl} failed: ${describeFailure(info)}${via}${tries}`, {
      hint: hintFor(info, hostOf(url)),
    });
    this.name = 'HttpRequestError';
    this.method = method;
    this.url = safeUrl;
    this.statusCode = info.statusCode;
    this.networkCode = info.code;
    this.attempts = attempts;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

const SECRET_QUERY_NAME = /token|secret|key|passw|pwd|signature|^sig$|credential|auth|session/i;

/** The URL without user:password, fragment, or the values of query parameters that name a secret. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid URL>';
  }
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (SECRET_QUERY_NAME.test(name)) parsed.searchParams.set(name, 'REDACTED');
  }
  return parsed.href;
}

const NETWORK_PHRASES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed early',
};

export function describeFailure(info: AttemptFailureInfo): string {
  switch (info.kind) {
    case 'status':
      return `HTTP ${info.statusCode}${info.statusMessage ? ` ${sanitizeReason(info.statusMessage)}` : ''}`;
    case 'tls':
      return `TLS certificate not trusted (${[info.code, info.detail].filter(Boolean).join(': ')})`;
    case 'proxy':
      return `proxy failed (${info.detail ?? info.code ?? 'no tunnel'})`;
    case 'timeout':
      return `timed out${info.detail ? ` (${info.detail})` : ''}`;
    case 'incomplete':
      return info.detail ?? 'connection closed before the whole body arrived';
    case 'network':
    case 'other': {
      const phrase = info.code ? NETWORK_PHRASES[info.code] : undefined;
      if (phrase && info.code) return `${phrase} (${info.code})`;
      return info.code ?? info.detail ?? 'request error';
    }
  }
}

/** The server's reason phrase, reduced to printable text so a hostile server cannot inject lines. */
function sanitizeReason(reason: string): string {
  return reason.replace(/[^\x20-\x7e]/g, '').slice(0, 60);
}

function hintFor(info: AttemptFailureInfo, host: string): string {
  switch (info.kind) {
    case 'status':
      if (info.statusCode === 401 || info.statusCode === 403) return `check the credentials kjoin sends to ${host}`;
      if (info.statusCode === 404) return 'check the version and URL; with --mirror, the mirror must hold this path';
      if (info.statusCode === 429 || (info.statusCode ?? 0) >= 500) return `${host} is failing or rate-limiting; try again later`;
      return `${host} refused the request`;
    case 'tls':
      return `pass the CA that signed ${host}'s certificate (or fix the system trust store); kjoin never skips TLS verification`;
    case 'proxy':
      return 'check HTTPS_PROXY/HTTP_PROXY (address, credentials) or add the host to NO_PROXY';
    case 'network':
    case 'timeout':
    case 'incomplete':
      return `check that ${host} is reachable from this machine (DNS, firewall, HTTPS_PROXY/NO_PROXY)`;
    case 'other':
      return 'run again; if it persists, check the network path to the server';
  }
}

/** A 2xx body that must be JSON; anything else is a one-line error naming the URL. */
export function parseJsonBody<T>(url: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HttpRequestError('GET', url, { kind: 'other', detail: 'the response is not valid JSON', retryable: false }, 1);
  }
}
