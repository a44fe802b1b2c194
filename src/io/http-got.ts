import { once } from 'node:events';
import type { Agent as HttpAgent, IncomingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import * as path from 'node:path';
import got, { RequestError, type OptionsInit, type Response } from 'got';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import type { Clock } from './clock.js';
import type { FileSystem } from './fs.js';
import {
  checksumMismatchError,
  checksumNotFoundError,
  extractFileName,
  normalizeSha256,
  parseSha256File,
} from './http-checksum.js';
import {
  MonotonicProgress,
  makeTempPath,
  removeStaleTemps,
  removeTemp,
  renameIntoPlace,
  writeChunksToTemp,
  type HostPathResolver,
  type WrittenTemp,
} from './http-download.js';
import { AttemptFailure, HttpRequestError, parseJsonBody, type AttemptFailureInfo } from './http-errors.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, runWithRetries, type Outcome, type RetryDecision, type RetryPolicy } from './http-retry.js';
import type { DownloadOptions, DownloadResult, GetOptions, Http, HttpMethod, HttpResponse, RequestOptions } from './http.js';
import { VERSION } from '../version.js';
import { isVerificationErrorCode } from './net.js';
import { selectProxy, type ProxySettings } from './proxy.js';

export interface HttpTimeouts {
  /** TCP connect and TLS handshake, each. */
  connectMs: number;
  /** From request sent to response headers. */
  responseMs: number;
  /** A download stalls when no byte arrives for this long (no total limit: artifacts are large). */
  idleMs: number;
  /** Whole API request, per attempt, unless the call sets timeoutMs. */
  requestMs: number;
}

/** What both the promise and the stream API accept. */
type SharedOptions = Omit<OptionsInit, 'isStream' | 'responseType' | 'resolveBodyOnly'>;

const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 15_000, responseMs: 30_000, idleMs: 60_000, requestMs: 30_000 };

export interface GotHttpOptions {
  /** Downloads are written under this file system's host root. */
  fs: FileSystem & HostPathResolver;
  clock: Clock;
  /** From readProxyEnv(io.env); no proxy when absent. */
  proxy?: ProxySettings;
  retry?: Partial<RetryPolicy>;
  /** Jitter source in [0, 1); tests pin it. */
  random?: () => number;
  timeouts?: Partial<HttpTimeouts>;
  userAgent?: string;
}

/** Statuses worth another attempt: the server is overloaded or restarting, not refusing. */
const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
/** Failures where the request never left, so even a non-idempotent one may be repeated. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** The real HTTP port, on got with got's own retry off: the loop in http-retry.ts owns retries. */
export class GotHttp implements Http {
  private readonly policy: RetryPolicy;
  private readonly timeouts: HttpTimeouts;
  private readonly random: () => number;
  private readonly proxy: ProxySettings;
  private readonly proxyAgents = new Map<string, HttpAgent | HttpsAgent>();
  private readonly userAgent: string;

  constructor(private readonly options: GotHttpOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.random = options.random ?? Math.random;
    this.proxy = options.proxy ?? {};
    this.userAgent = options.userAgent ?? `kjoin/${VERSION}`;
  }

  async download(options: DownloadOptions): Promise<DownloadResult> {
    const expected =
      options.sha256 !== undefined
        ? normalizeSha256(options.sha256, `the expected sha256 of ${extractFileName(options.url)}`)
        : await this.fetchExpectedSha256(options);
    const { fs } = this.options;
    await fs.mkdir(path.posix.dirname(options.dest), 0o755);
    await removeStaleTemps(fs, options.dest);
    const progress = new MonotonicProgress(options.onProgress);
    let tempPath = '';
    const { outcome, attempts } = await runWithRetries(
      this.retryRun('GET', options.url, options.signal),
      async () => {
        tempPath = fs.resolve(makeTempPath(options.dest));
        return this.downloadAttempt(options, tempPath, progress);
      },
      (result) => decideOnFailure(result, true),
    );
    if (!outcome.ok) throw this.toReportedError(outcome.error, 'GET', options.url, attempts);
    const written = outcome.value;
    if (written.sha256 !== expected) {
      await removeTemp(tempPath);
      throw checksumMismatchError(options.url, expected, written.sha256);
    }
    await renameIntoPlace(tempPath, fs.resolve(options.dest));
    return { sha256: written.sha256, bytes: written.bytes };
  }

  async getText(options: GetOptions): Promise<string> {
    const { response, attempts } = await this.exchange({ ...options, method: 'GET' });
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new HttpRequestError('GET', options.url, statusFailure(response.statusCode, response.statusMessage), attempts);
    }
    return response.body;
  }

  async getJson<T = unknown>(options: GetOptions): Promise<T> {
    return parseJsonBody<T>(options.url, await this.getText(options));
  }

  async request(options: RequestOptions): Promise<HttpResponse> {
    const { response } = await this.exchange(options);
    return { statusCode: response.statusCode, headers: flattenHeaders(response.headers), body: response.body };
  }

  private async exchange(options: RequestOptions): Promise<{ response: Response<string>; attempts: number }> {
    const safeToRepeat = options.retryUnsafe === true || !['POST', 'PATCH'].includes(options.method);
    const { outcome, attempts } = await runWithRetries(
      this.retryRun(options.method, options.url, options.signal),
      () => this.attemptRequest(options),
      (result) => (result.ok ? this.decideOnResponse(result.value, safeToRepeat) : decideOnFailure(result, safeToRepeat)),
    );
    if (!outcome.ok) throw this.toReportedError(outcome.error, options.method, options.url, attempts);
    return { response: outcome.value, attempts };
  }

  private async attemptRequest(options: RequestOptions): Promise<Response<string>> {
    try {
      return await got(options.url, {
        ...this.gotOptions(options.url, options.headers, options.ca, options.signal, options.clientCert),
        method: options.method,
        json: options.json,
        responseType: 'text',
        timeout: { request: options.timeoutMs ?? this.timeouts.requestMs },
      });
    } catch (error) {
      throw new AttemptFailure(classifyError(error));
    }
  }

  private decideOnResponse(response: Response<string>, safeToRepeat: boolean): RetryDecision {
    const status = response.statusCode;
    if (!RETRY_STATUSES.has(status) || (!safeToRepeat && status !== 429)) return { retry: false };
    const retryAfter = response.headers['retry-after'];
    return { retry: true, retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, this.options.clock.now()) };
  }

  private async fetchExpectedSha256(options: DownloadOptions & { sha256Url: string }): Promise<string> {
    const text = await this.getText({ url: options.sha256Url, headers: options.headers, ca: options.ca, signal: options.signal });
    const fileName = extractFileName(options.url);
    const hex = parseSha256File(text, fileName);
    if (hex === null) throw checksumNotFoundError(options.sha256Url, fileName);
    return hex;
  }

  private async downloadAttempt(options: DownloadOptions, tempPath: string, progress: MonotonicProgress): Promise<WrittenTemp> {
    const stream = got.stream(options.url, {
      ...this.gotOptions(options.url, options.headers, options.ca, options.signal),
      // The checksum is over the bytes as published, never a transparently decompressed variant.
      decompress: false,
      timeout: { connect: this.timeouts.connectMs, secureConnect: this.timeouts.connectMs, response: this.timeouts.responseMs, socket: this.timeouts.idleMs },
    });
    // got keeps listening to the abort signal after the body is done: an abort then emits 'error' on a stream
    // nobody reads any more, which would crash the process. Failures while reading surface through once() and
    // the read loop below, so this listener only absorbs those late ones.
    stream.on('error', () => undefined);
    let response: Response;
    try {
      [response] = (await once(stream, 'response')) as [Response];
    } catch (error) {
      stream.destroy();
      throw new AttemptFailure(classifyError(error));
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      stream.destroy();
      const info = statusFailure(response.statusCode, response.statusMessage);
      const retryAfter = parseRetryAfter(response.headers['retry-after'], this.options.clock.now());
      throw new AttemptFailure({ ...info, retryAfterMs: retryAfter });
    }
    const total = readContentLength(response.headers);
    progress.update(0, total);
    try {
      const written = await writeChunksToTemp(stream, tempPath, options.mode, (done) => progress.update(done, total));
      if (total !== null && written.bytes !== total) {
        await removeTemp(tempPath);
        throw new AttemptFailure({ kind: 'incomplete', detail: `body ended after ${written.bytes} of ${total} bytes`, retryable: true });
      }
      return written;
    } catch (error) {
      stream.destroy();
      throw error instanceof RequestError ? new AttemptFailure(classifyError(error)) : error;
    }
  }

  private toReportedError(error: unknown, method: string, url: string, attempts: number): unknown {
    if (!(error instanceof AttemptFailure)) return error;
    return new HttpRequestError(method, url, { ...error.info, viaProxy: selectProxy(url, this.proxy) }, attempts);
  }

  private retryRun(method: HttpMethod, url: string, signal: AbortSignal | undefined) {
    return { policy: this.policy, clock: this.options.clock, random: this.random, signal, what: `${method} ${url}` };
  }

  /** Options shared by every request: no got retry, no thrown HTTP errors, verified TLS, proxy per URL. */
  private gotOptions(
    url: string,
    headers: Record<string, string> | undefined,
    ca: string | undefined,
    signal: AbortSignal | undefined,
    clientCert?: { cert: string; key: string },
  ): SharedOptions {
    const origin = new URL(url).origin;
    const callerHeaders = Object.keys(headers ?? {}).map((name) => name.toLowerCase());
    return {
      headers: { 'user-agent': this.userAgent, ...headers },
      retry: { limit: 0 },
      throwHttpErrors: false,
      https: { certificateAuthority: ca, rejectUnauthorized: true, certificate: clientCert?.cert, key: clientCert?.key },
      agent: this.agentsFor(url),
      signal,
      hooks: {
        beforeRedirect: [
          (updated) => {
            const target = updated.url instanceof URL ? updated.url : new URL(String(updated.url));
            updated.agent = this.agentsFor(target.href);
            // Credentials (X-Auth-Token, Authorization) are for the host they were given for only.
            if (target.origin !== origin) for (const name of callerHeaders) delete updated.headers[name];
          },
        ],
      },
    };
  }

  /** Proxy agents per proxy URL, chosen per request URL so NO_PROXY and redirects are honoured. */
  private agentsFor(url: string): { http?: HttpAgent; https?: HttpsAgent } {
    const proxy = selectProxy(url, this.proxy);
    if (!proxy) return {};
    const isHttps = new URL(url).protocol === 'https:';
    const key = `${isHttps ? 'https' : 'http'} ${proxy}`;
    let agent = this.proxyAgents.get(key);
    if (!agent) {
      agent = isHttps ? new HttpsProxyAgent({ proxy, keepAlive: false }) : new HttpProxyAgent({ proxy, keepAlive: false });
      this.proxyAgents.set(key, agent);
    }
    return isHttps ? { https: agent as HttpsAgent } : { http: agent as HttpAgent };
  }
}

function decideOnFailure(result: Outcome<unknown>, safeToRepeat: boolean): RetryDecision {
  if (result.ok || !(result.error instanceof AttemptFailure)) return { retry: false };
  const { info } = result.error;
  if (!info.retryable) return { retry: false };
  if (!safeToRepeat && !info.notSent && info.statusCode !== 429) return { retry: false };
  return { retry: true, retryAfterMs: info.retryAfterMs };
}

function statusFailure(statusCode: number, statusMessage: string | undefined): AttemptFailureInfo {
  return { kind: 'status', statusCode, statusMessage, retryable: RETRY_STATUSES.has(statusCode) };
}

/** Reduces a got/Node/hpagent error to printable facts; its message is kept only where it holds no secret. */
export function classifyError(error: unknown): AttemptFailureInfo {
  if (error instanceof AttemptFailure) return error.info;
  const err = error as { name?: string; code?: string; message?: string; event?: string };
  const code = err.code;
  if (err.name === 'AbortError') return { kind: 'other', code: 'ERR_ABORTED', detail: 'aborted', retryable: false };
  if (err.name === 'TimeoutError') {
    return { kind: 'timeout', code: 'ETIMEDOUT', detail: err.event ? `no ${err.event} in time` : undefined, retryable: true };
  }
  if (isVerificationErrorCode(code)) return { kind: 'tls', code, detail: firstLine(err.message), retryable: false };
  const proxyStatus = /^Bad response: (\d{3})$/.exec(err.message ?? '');
  if (proxyStatus) {
    const status = Number(proxyStatus[1]);
    return { kind: 'proxy', detail: `it answered HTTP ${status} to CONNECT`, retryable: status >= 500, notSent: true };
  }
  if (err.message === 'Proxy timeout') return { kind: 'proxy', detail: 'CONNECT timed out', retryable: true, notSent: true };
  if (code && NOT_SENT_CODES.has(code)) return { kind: 'network', code, retryable: true, notSent: true };
  if (code && TRANSIENT_CODES.has(code)) return { kind: 'network', code, retryable: true };
  if (err.name === 'ReadError') return { kind: 'network', code, retryable: true };
  return { kind: 'other', code, retryable: false };
}

function firstLine(message: string | undefined): string | undefined {
  return message?.split('\n')[0];
}

function readContentLength(headers: IncomingHttpHeaders): number | null {
  if (headers['content-encoding'] && headers['content-encoding'] !== 'identity') return null;
  const value = Number(headers['content-length']);
  return Number.isSafeInteger(value) && value >= 0 && headers['content-length'] !== undefined ? value : null;
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
