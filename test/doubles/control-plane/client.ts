/**
 * A small HTTPS client for tests that talk to the control-plane double (or anything else with a private CA):
 * TLS verified against `ca`, optional bearer token or client certificate, JSON in and out.
 */

import { request } from 'node:https';

export interface CallOptions {
  ca: string;
  method?: string;
  /** Bearer token. */
  token?: string;
  /** Client certificate and key, PEM. */
  cert?: string;
  key?: string;
  /** Sent as JSON with Content-Type application/json unless contentType says otherwise. */
  json?: unknown;
  /** A raw body (wins over json). */
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  // any: tests index freely into API objects whose shape they assert anyway.
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export function callApi(baseUrl: string, path: string, options: CallOptions): Promise<CallResult> {
  const payload = options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${path}`,
      { method: options.method ?? 'GET', ca: options.ca, cert: options.cert, key: options.key, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, body, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
