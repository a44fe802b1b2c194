import { lookup } from 'node:dns/promises';
import { connect as connectSocket, isIP, type Socket } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import type { FileSystem } from './fs.js';

export interface TlsHandshakeOptions {
  /** PEM bundle to trust instead of the default root store (e.g. a cluster CA). */
  ca?: string;
  /** SNI and the name the certificate must carry; defaults to host unless host is an IP address. */
  servername?: string;
  timeoutMs: number;
}

export interface TlsHandshakeResult {
  /** True only when the peer's chain verified against the trusted roots and its name matched. */
  authorized: boolean;
  /** Why verification failed, e.g. "self-signed certificate in certificate chain". */
  authorizationError?: string;
  /** OpenSSL/Node code of the verification failure, e.g. SELF_SIGNED_CERT_IN_CHAIN, CERT_NOT_YET_VALID. */
  authorizationCode?: string;
  peerSubject?: string;
  peerIssuer?: string;
  /** The certificate's notAfter, as OpenSSL prints it. */
  validTo?: string;
}

/**
 * The network port. Probes only: kjoin's HTTP traffic goes through the http port. `resolve`, `connectTcp`
 * and `tlsHandshake` reject with a one-line error when the peer cannot be reached; a TLS certificate that
 * does not verify is not an error but an `authorized: false` result, so callers can explain it.
 */
export interface Network {
  resolve(host: string): Promise<string[]>;
  connectTcp(host: string, port: number, timeoutMs: number): Promise<void>;
  tlsHandshake(host: string, port: number, opts: TlsHandshakeOptions): Promise<TlsHandshakeResult>;
  /** False when a socket listens on the TCP port (any address, IPv4 or IPv6). */
  isPortFree(port: number): Promise<boolean>;
}

/** Certificate verification failures (as opposed to the peer being unreachable or not speaking TLS). */
const VERIFY_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isVerificationErrorCode(code: string | undefined): boolean {
  return code !== undefined && VERIFY_ERROR_CODES.has(code);
}

/** The real network, on node:dns, node:net and node:tls. Listening sockets are read from the host's /proc. */
export class NodeNetwork implements Network {
  constructor(private readonly fs: FileSystem) {}

  async resolve(host: string): Promise<string[]> {
    // getaddrinfo, like the kubelet and curl: honours /etc/hosts and nsswitch, and passes IP literals through.
    const answers = await lookup(host, { all: true, verbatim: true });
    return answers.map((a) => a.address);
  }

  connectTcp(host: string, port: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connectSocket({ host, port });
      const settle = onceSettled(socket, timeoutMs, `TCP connect to ${host}:${port}`, reject);
      socket.once('connect', () => {
        settle.done();
        socket.destroy();
        resolve();
      });
    });
  }

  async tlsHandshake(host: string, port: number, opts: TlsHandshakeOptions): Promise<TlsHandshakeResult> {
    // node:tls is loaded on first use: only a preflight against a control plane needs it.
    const { connect: connectTls } = await import('node:tls');
    return new Promise((resolve, reject) => {
      const servername = opts.servername ?? (isIP(host) === 0 ? host : undefined);
      // Verification stays on: a certificate that does not verify aborts the handshake with a coded error,
      // which is reported below as authorized=false. Nothing is ever sent over an unverified connection.
      const socket = connectTls({ host, port, servername, ca: opts.ca, rejectUnauthorized: true });
      const settle = onceSettled(socket, opts.timeoutMs, `TLS handshake with ${host}:${port}`, (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (isVerificationErrorCode(code)) {
          resolve({ authorized: false, authorizationError: error.message, authorizationCode: code });
        } else {
          reject(error);
        }
      });
      socket.once('secureConnect', () => {
        settle.done();
        const cert = socket.getPeerCertificate();
        const result: TlsHandshakeResult = { authorized: socket.authorized, ...describeCertificate(cert) };
        if (!socket.authorized) {
          result.authorizationError = String(socket.authorizationError ?? 'certificate not verified');
        }
        socket.destroy();
        resolve(result);
      });
    });
  }

  async isPortFree(port: number): Promise<boolean> {
    const listening = await readListeningPorts(this.fs);
    if (listening === null) throw new Error('cannot read /proc/net/tcp or /proc/net/tcp6 to list listening sockets');
    return !listening.has(port);
  }
}

interface Settler {
  done(): void;
}

/** Wires the timeout and error handling shared by TCP and TLS probes; `fail` runs at most once. */
function onceSettled(
  socket: Socket,
  timeoutMs: number,
  what: string,
  fail: (error: Error) => void,
): Settler {
  let settled = false;
  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    socket.destroy();
    fail(new Error(`${what} timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  // Stays attached after settling: a late reset from the peer must not become an unhandled 'error'.
  socket.on('error', (error) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.destroy();
    fail(error);
  });
  return {
    done() {
      settled = true;
      clearTimeout(timer);
    },
  };
}

function describeCertificate(cert: PeerCertificate): Pick<TlsHandshakeResult, 'peerSubject' | 'peerIssuer' | 'validTo'> {
  if (!cert || Object.keys(cert).length === 0) return {};
  return { peerSubject: formatDistinguishedName(cert.subject), peerIssuer: formatDistinguishedName(cert.issuer), validTo: cert.valid_to };
}

function formatDistinguishedName(name: object | undefined): string | undefined {
  if (!name) return undefined;
  const parts = Object.entries(name as Record<string, string | string[] | undefined>)
    .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** TCP state 0A in /proc/net/tcp{,6} (include/net/tcp_states.h: TCP_LISTEN = 10). */
const TCP_LISTEN = '0A';

/**
 * Ports with a LISTEN socket in the text of /proc/net/tcp or /proc/net/tcp6. Lines look like
 * `0: 00000000:280A 00000000:0000 0A ...` (IPv4) or `0: 000...000:280A 000...000:0000 0A ...` (IPv6):
 * the local port is the hex after the last colon of the second field, the state is the fourth field.
 */
export function parseListeningPorts(text: string): Set<number> {
  const ports = new Set<number>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(fields[0] ?? '')) continue; // the header, or a blank line
    const local = fields[1] ?? '';
    const state = fields[3] ?? '';
    if (state.toUpperCase() !== TCP_LISTEN) continue;
    const match = /:([0-9A-Fa-f]{4})$/.exec(local);
    if (match) ports.add(Number.parseInt(match[1]!, 16));
  }
  return ports;
}

/** Listening TCP ports from the host's /proc (via the FileSystem port, so --host-root works); null if unreadable. */
export async function readListeningPorts(fs: FileSystem): Promise<Set<number> | null> {
  const texts = await Promise.all([fs.readTextOrNull('/proc/net/tcp'), fs.readTextOrNull('/proc/net/tcp6')]);
  if (texts.every((t) => t === null)) return null;
  const ports = new Set<number>();
  for (const text of texts) {
    if (text !== null) for (const port of parseListeningPorts(text)) ports.add(port);
  }
  return ports;
}

export interface FakeNetworkCall {
  method: 'resolve' | 'connectTcp' | 'tlsHandshake' | 'isPortFree';
  host?: string;
  port?: number;
  tls?: TlsHandshakeOptions;
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Scripted Network for unit tests. Names resolve only when added with `addHost`; TCP connects succeed only
 * for endpoints added with `listen`; a TLS handshake returns (or throws) what `listen` was given.
 * `isPortFree` reads /proc through the given FileSystem when there is one (so fixtures exercise the real
 * parser), otherwise it consults `busyPorts`. Every call is recorded.
 */
export class FakeNetwork implements Network {
  readonly calls: FakeNetworkCall[] = [];
  readonly hosts = new Map<string, string[]>();
  readonly endpoints = new Map<string, TlsHandshakeResult | Error | null>();
  readonly busyPorts = new Set<number>();

  constructor(private readonly procFs?: FileSystem) {}

  addHost(host: string, addresses: string[]): this {
    this.hosts.set(host, addresses);
    return this;
  }

  /** Accepts TCP on host:port; `tls` is the handshake outcome (null: the port does not speak TLS). */
  listen(host: string, port: number, tls: TlsHandshakeResult | Error | null = null): this {
    this.endpoints.set(`${host}:${port}`, tls);
    return this;
  }

  async resolve(host: string): Promise<string[]> {
    this.calls.push({ method: 'resolve', host });
    if (isIP(host) !== 0) return [host];
    const addresses = this.hosts.get(host);
    if (!addresses) throw codedError(`getaddrinfo ENOTFOUND ${host}`, 'ENOTFOUND');
    return [...addresses];
  }

  async connectTcp(host: string, port: number, _timeoutMs: number): Promise<void> {
    this.calls.push({ method: 'connectTcp', host, port });
    if (!this.endpoints.has(`${host}:${port}`)) throw codedError(`connect ECONNREFUSED ${host}:${port}`, 'ECONNREFUSED');
  }

  async tlsHandshake(host: string, port: number, opts: TlsHandshakeOptions): Promise<TlsHandshakeResult> {
    this.calls.push({ method: 'tlsHandshake', host, port, tls: opts });
    const key = `${host}:${port}`;
    if (!this.endpoints.has(key)) throw codedError(`connect ECONNREFUSED ${key}`, 'ECONNREFUSED');
    const outcome = this.endpoints.get(key);
    if (outcome instanceof Error) throw outcome;
    if (!outcome) {
      throw codedError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET');
    }
    return { ...outcome };
  }

  async isPortFree(port: number): Promise<boolean> {
    this.calls.push({ method: 'isPortFree', port });
    if (!this.procFs) return !this.busyPorts.has(port);
    const listening = await readListeningPorts(this.procFs);
    if (listening === null) throw new Error('cannot read /proc/net/tcp or /proc/net/tcp6 to list listening sockets');
    return !listening.has(port);
  }
}
