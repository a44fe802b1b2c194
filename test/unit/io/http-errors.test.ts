import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { HttpRequestError, redactUrl } from '../../../src/io/http-errors.js';
import { classifyError } from '../../../src/io/http-got.js';

describe('redactUrl', () => {
  it('drops credentials, fragments and secret query values, keeping the rest', () => {
    expect(redactUrl('https://admin:hunter22@api.example/v1/nodes?token=abc&limit=5#frag')).toBe(
      'https://api.example/v1/nodes?token=REDACTED&limit=5',
    );
    expect(redactUrl('https://bucket.s3.example/obj?X-Amz-Credential=AK&X-Amz-Signature=ff&X-Amz-Expires=60')).toBe(
      'https://bucket.s3.example/obj?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Expires=60',
    );
    expect(redactUrl('not a url')).toBe('<invalid URL>');
  });
});

describe('HttpRequestError', () => {
  it('is a one-line step-failed error with a hint per failure kind', () => {
    const status = new HttpRequestError('GET', 'https://u:p@dl.k8s.io/x', { kind: 'status', statusCode: 404, statusMessage: 'Not\nFound', retryable: false }, 1);
    expect(status).toBeInstanceOf(KjoinError);
    expect(status.code).toBe('step-failed');
    expect(status.message).toBe('GET https://dl.k8s.io/x failed: HTTP 404 NotFound');
    expect(status.hint).toMatch(/--mirror, the mirror must hold this path/);
    expect(status.statusCode).toBe(404);

    const auth = new HttpRequestError('POST', 'https://api.scaleway.com/k8s/v1/x', { kind: 'status', statusCode: 403, retryable: false }, 1);
    expect(auth.hint).toBe('check the credentials kjoin sends to api.scaleway.com');

    const network = new HttpRequestError('GET', 'https://dl.k8s.io/x', { kind: 'network', code: 'ECONNRESET', retryable: true }, 5);
    expect(network.message).toBe('GET https://dl.k8s.io/x failed: connection reset (ECONNRESET) (after 5 attempts)');
    expect(network.networkCode).toBe('ECONNRESET');
    expect(network.hint).toMatch(/HTTPS_PROXY\/NO_PROXY/);

    const proxy = new HttpRequestError('GET', 'https://dl.k8s.io/x', { kind: 'proxy', detail: 'it answered HTTP 407 to CONNECT', retryable: false }, 1);
    expect(proxy.message).toBe('GET https://dl.k8s.io/x failed: proxy failed (it answered HTTP 407 to CONNECT)');
  });
});

describe('classifyError', () => {
  it('sorts got, Node and hpagent failures into retryable or not', () => {
    expect(classifyError({ name: 'TimeoutError', code: 'ETIMEDOUT', event: 'connect' })).toEqual({
      kind: 'timeout',
      code: 'ETIMEDOUT',
      detail: 'no connect in time',
      retryable: true,
    });
    expect(classifyError({ name: 'RequestError', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' })).toEqual({
      kind: 'tls',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      detail: 'self-signed certificate in certificate chain',
      retryable: false,
    });
    expect(classifyError({ name: 'RequestError', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'x' }).retryable).toBe(false);
    expect(classifyError({ name: 'RequestError', message: 'Bad response: 407' })).toMatchObject({ kind: 'proxy', retryable: false });
    expect(classifyError({ name: 'RequestError', message: 'Bad response: 502' })).toMatchObject({ kind: 'proxy', retryable: true });
    expect(classifyError({ name: 'RequestError', code: 'ECONNREFUSED' })).toMatchObject({ kind: 'network', retryable: true, notSent: true });
    expect(classifyError({ name: 'ReadError', code: 'ECONNRESET' })).toMatchObject({ kind: 'network', retryable: true });
    expect(classifyError({ name: 'ReadError', code: 'ERR_SOMETHING' })).toMatchObject({ kind: 'network', retryable: true });
    expect(classifyError({ name: 'RequestError', code: 'ERR_INVALID_URL' })).toMatchObject({ kind: 'other', retryable: false });
  });

  it('never copies a message that could hold request details', () => {
    const info = classifyError({ name: 'RequestError', code: 'ERR_WEIRD', message: 'failed with x-auth-token: s3cr3t', options: { headers: { 'x-auth-token': 's3cr3t' } } });
    expect(JSON.stringify(info)).not.toContain('s3cr3t');
  });
});
