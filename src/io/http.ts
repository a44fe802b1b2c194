/**
 * The HTTP port: kjoin's only way onto the network for downloads and API calls. The real implementation
 * (GotHttp, on got) retries network errors, 5xx and 429 with jittered exponential backoff, always verifies
 * TLS, honours HTTP(S)_PROXY/NO_PROXY, and streams downloads to a temp file while hashing them. FakeHttp
 * answers from a script, for unit tests of steps and providers.
 *
 * Errors are HttpRequestError (a KjoinError) with a one-line message built from the method, the URL without
 * credentials or secret query values, and the status or network code: never request headers or bodies.
 */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface DownloadProgress {
  bytesDone: number;
  /** From Content-Length; null when the server did not say. */
  bytesTotal: number | null;
}

interface DownloadBase {
  url: string;
  /** Absolute host path; written through the FileSystem's host root. */
  dest: string;
  /** Mode of the final file, set before it is renamed into place. */
  mode: number;
  /**
   * Called as bytes arrive (every chunk, so consumers throttle); bytesDone never goes backwards, even when
   * a failed attempt is retried from the start, and the last call has bytesDone === the file size.
   */
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** PEM bundle trusted instead of the system roots. */
  ca?: string;
}

/**
 * A download always has a checksum: either the expected hex, or a URL whose body holds it ("<hex>",
 * "<hex>  file" or a sha256sum list naming the downloaded file, as dl.k8s.io and GitHub releases publish).
 */
export type DownloadOptions = DownloadBase &
  ({ sha256: string; sha256Url?: undefined } | { sha256Url: string; sha256?: undefined });

export interface DownloadResult {
  /** Lower-case hex, equal to the expected one (a mismatch throws). */
  sha256: string;
  bytes: number;
}

export interface GetOptions {
  url: string;
  headers?: Record<string, string>;
  /** PEM bundle trusted instead of the system roots (pins trust to that CA only). */
  ca?: string;
  /** Per attempt, whole request; default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A TLS client certificate and key (PEM) to authenticate with, e.g. the node's own credential. Secret. */
  clientCert?: { cert: string; key: string };
}

export interface RequestOptions extends GetOptions {
  method: HttpMethod;
  /** Sent as application/json. */
  json?: unknown;
  /**
   * POST and PATCH are retried only when the request cannot have reached the server (connection refused,
   * DNS failure) or on 429, unless the API makes them idempotent and the caller sets this.
   */
  retryUnsafe?: boolean;
}

export interface HttpResponse {
  statusCode: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface Http {
  /** Streams `url` to a temp file beside `dest`, verifies the sha256, then renames it into place. */
  download(options: DownloadOptions): Promise<DownloadResult>;
  /** The body of a 2xx response; any other status throws HttpRequestError with its statusCode. */
  getText(options: GetOptions): Promise<string>;
  /** Like getText, parsed as JSON; the caller validates the shape (zod). */
  getJson<T = unknown>(options: GetOptions): Promise<T>;
  /** Any status is returned (after retries for 5xx/429); only network and TLS failures throw. */
  request(options: RequestOptions): Promise<HttpResponse>;
}

export { HttpRequestError, redactUrl } from './http-errors.js';
export { DEFAULT_RETRY_POLICY, computeBackoffMs, type RetryPolicy } from './http-retry.js';
export { parseSha256File } from './http-checksum.js';
export { GotHttp, type GotHttpOptions, type HttpTimeouts } from './http-got.js';
export type { HostPathResolver } from './http-download.js';
export { FakeHttp, type FakeReply, type FakeHttpCall } from './http-fake.js';
