import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { FakeHttp, HttpRequestError, type DownloadProgress } from '../../../src/io/http.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const URL_KUBELET = 'https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet';

describe('FakeHttp', () => {
  it('downloads a served artifact, verified against its .sha256, with the mode', async () => {
    const fs = new MemoryFileSystem();
    const body = Buffer.alloc(150 * 1024, 7);
    const http = new FakeHttp(fs).serveArtifact(URL_KUBELET, body);
    const progress: DownloadProgress[] = [];
    const result = await http.download({
      url: URL_KUBELET,
      dest: '/usr/local/bin/kubelet',
      mode: 0o755,
      sha256Url: `${URL_KUBELET}.sha256`,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toEqual({ sha256: sha256(body), bytes: body.length });
    expect(fs.writes).toEqual([{ path: '/usr/local/bin/kubelet', mode: 0o755 }]);
    expect((await fs.readBytes('/usr/local/bin/kubelet')).equals(body)).toBe(true);
    expect(progress.map((p) => p.bytesDone)).toEqual([65536, 131072, body.length]);
    expect(http.calls.map((c) => c.url)).toEqual([`${URL_KUBELET}.sha256`, URL_KUBELET]);
  });

  it('refuses a wrong checksum without writing anything', async () => {
    const fs = new MemoryFileSystem({ '/usr/local/bin/kubelet': 'old' });
    const http = new FakeHttp(fs).reply(URL_KUBELET, { body: 'tampered' });
    const error = await http
      .download({ url: URL_KUBELET, dest: '/usr/local/bin/kubelet', mode: 0o755, sha256: sha256('genuine') })
      .catch((e: unknown) => e);
    expect((error as KjoinError).message).toBe(`checksum mismatch for ${URL_KUBELET}: expected ${sha256('genuine')}, got ${sha256('tampered')}`);
    expect(fs.writes).toEqual([]);
    expect(await fs.readText('/usr/local/bin/kubelet')).toBe('old');
  });

  it('plays scripted answers in order, repeating the last, and 404s the unscripted', async () => {
    const http = new FakeHttp()
      .reply('https://api/x', { networkError: 'ECONNRESET' }, { status: 503 }, { body: '{"ok":true}' })
      .replyTo('POST', 'https://api/x', { status: 201, body: 'created', headers: { Location: '/x/1' } });
    const first = await http.getText({ url: 'https://api/x' }).catch((e: unknown) => e);
    expect((first as HttpRequestError).networkCode).toBe('ECONNRESET');
    expect((await http.request({ method: 'GET', url: 'https://api/x' })).statusCode).toBe(503);
    expect(await http.getJson({ url: 'https://api/x' })).toEqual({ ok: true });
    expect(await http.getJson({ url: 'https://api/x' })).toEqual({ ok: true });
    expect(await http.request({ method: 'POST', url: 'https://api/x', json: { a: 1 }, headers: { 'X-Auth-Token': 't' } })).toEqual({
      statusCode: 201,
      headers: { location: '/x/1' },
      body: 'created',
    });
    expect(http.calls.at(-1)).toEqual({ method: 'POST', url: 'https://api/x', headers: { 'X-Auth-Token': 't' }, json: { a: 1 } });
    const missing = await http.getText({ url: 'https://api/missing' }).catch((e: unknown) => e);
    expect((missing as HttpRequestError).statusCode).toBe(404);
    expect((missing as HttpRequestError).message).toBe('GET https://api/missing failed: HTTP 404');
  });

  it('reports invalid JSON as a request error', async () => {
    const http = new FakeHttp().reply('https://api/j', { body: '<html>' });
    await expect(http.getJson({ url: 'https://api/j' })).rejects.toThrow('GET https://api/j failed: the response is not valid JSON');
  });
});
