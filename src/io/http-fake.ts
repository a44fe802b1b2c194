import { createHash } from 'node:crypto';
import type { FileSystem } from './fs.js';
import {
  checksumMismatchError,
  checksumNotFoundError,
  extractFileName,
  normalizeSha256,
  parseSha256File,
} from './http-checksum.js';
import { HttpRequestError, parseJsonBody, type AttemptFailureInfo } from './http-errors.js';
import type { DownloadOptions, DownloadResult, GetOptions, Http, HttpMethod, HttpResponse, RequestOptions } from './http.js';

/** One scripted answer: a response, or a network failure by its Node code (ECONNREFUSED, ECONNRESET...). */
export type FakeReply =
  | { status?: number; body?: string | Uint8Array; headers?: Record<string, string> }
  | { networkError: string };

export interface FakeHttpCall {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  json?: unknown;
  ca?: string;
}

/**
 * Scripted Http for unit tests. `reply(url, ...answers)` queues answers for a URL (and method, default
 * any); the last one repeats. Unscripted URLs answer 404. It behaves like GotHttp at the port boundary —
 * getText throws HttpRequestError on non-2xx, download verifies the sha256 before writing the file with
 * fs.writeAtomic and the given mode — but does not retry: script the outcome a retry would have had.
 */
export class FakeHttp implements Http {
  readonly calls: FakeHttpCall[] = [];
  private readonly scripts = new Map<string, FakeReply[]>();
  /** Bytes per progress event in download(). */
  chunkSize = 64 * 1024;

  constructor(private readonly fs?: FileSystem) {}

  reply(url: string, ...answers: FakeReply[]): this {
    return this.replyTo('*', url, ...answers);
  }

  replyTo(method: HttpMethod | '*', url: string, ...answers: FakeReply[]): this {
    if (answers.length === 0) throw new Error('internal: FakeHttp.reply needs at least one answer');
    this.scripts.set(`${method} ${url}`, [...answers]);
    return this;
  }

  /** Serves `content` at `url` and its sha256 at `url + '.sha256'` in dl.k8s.io's format. */
  serveArtifact(url: string, content: string | Uint8Array): this {
    const hex = createHash('sha256').update(content).digest('hex');
    return this.reply(url, { body: content }).reply(`${url}.sha256`, { body: hex });
  }

  async download(options: DownloadOptions): Promise<DownloadResult> {
    if (!this.fs) throw new Error('internal: FakeHttp needs a FileSystem to download');
    const expected =
      options.sha256 !== undefined
        ? normalizeSha256(options.sha256, `the expected sha256 of ${extractFileName(options.url)}`)
        : await this.readExpectedSha256(options);
    const response = this.answer('GET', options.url, options.headers, undefined, options.ca);
    if (response.statusCode < 200 || response.statusCode > 299) throw statusError('GET', options.url, response.statusCode);
    const body = Buffer.from(response.bodyBytes);
    for (let done = Math.min(this.chunkSize, body.length); ; done = Math.min(done + this.chunkSize, body.length)) {
      options.onProgress?.({ bytesDone: done, bytesTotal: body.length });
      if (done >= body.length) break;
    }
    const actual = createHash('sha256').update(body).digest('hex');
    if (actual !== expected) throw checksumMismatchError(options.url, expected, actual);
    await this.fs.writeAtomic(options.dest, body, options.mode);
    return { sha256: actual, bytes: body.length };
  }

  async getText(options: GetOptions): Promise<string> {
    const response = this.answer('GET', options.url, options.headers, undefined, options.ca);
    if (response.statusCode < 200 || response.statusCode > 299) throw statusError('GET', options.url, response.statusCode);
    return response.body;
  }

  async getJson<T = unknown>(options: GetOptions): Promise<T> {
    return parseJsonBody<T>(options.url, await this.getText(options));
  }

  async request(options: RequestOptions): Promise<HttpResponse> {
    const { bodyBytes: _bytes, ...response } = this.answer(options.method, options.url, options.headers, options.json, options.ca);
    return response;
  }

  private async readExpectedSha256(options: DownloadOptions & { sha256Url: string }): Promise<string> {
    const text = await this.getText({ url: options.sha256Url, headers: options.headers, ca: options.ca });
    const fileName = extractFileName(options.url);
    const hex = parseSha256File(text, fileName);
    if (hex === null) throw checksumNotFoundError(options.sha256Url, fileName);
    return hex;
  }

  private answer(
    method: HttpMethod,
    url: string,
    headers: Record<string, string> | undefined,
    json: unknown,
    ca: string | undefined,
  ): HttpResponse & { bodyBytes: Uint8Array } {
    this.calls.push({ method, url, headers: { ...headers }, ...(json === undefined ? {} : { json }), ...(ca ? { ca } : {}) });
    const queue = this.scripts.get(`${method} ${url}`) ?? this.scripts.get(`* ${url}`);
    const reply: FakeReply = queue ? (queue.length > 1 ? queue.shift()! : queue[0]!) : { status: 404, body: 'not found' };
    if ('networkError' in reply) {
      const info: AttemptFailureInfo = { kind: 'network', code: reply.networkError, retryable: true };
      throw new HttpRequestError(method, url, info, 1);
    }
    const bodyBytes = typeof reply.body === 'string' ? Buffer.from(reply.body) : (reply.body ?? new Uint8Array());
    const lowered = Object.fromEntries(Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return { statusCode: reply.status ?? 200, headers: lowered, body: Buffer.from(bodyBytes).toString('utf8'), bodyBytes };
  }
}

function statusError(method: HttpMethod, url: string, statusCode: number): HttpRequestError {
  return new HttpRequestError(method, url, { kind: 'status', statusCode, retryable: false }, 1);
}
