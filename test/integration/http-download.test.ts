import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KjoinError } from '../../src/errors.js';
import { FakeClock } from '../../src/io/clock.js';
import { NodeFileSystem } from '../../src/io/fs.js';
import { GotHttp, HttpRequestError, type DownloadProgress, type GotHttpOptions } from '../../src/io/http.js';
import { readProxyEnv } from '../../src/io/proxy.js';

/** Records every backoff instead of waiting it out. */
class RecordingClock extends FakeClock {
  readonly sleeps: number[] = [];
  override async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    await super.sleep(ms);
  }
}

/** A throwaway CA and a server certificate for 127.0.0.1 and artifacts.kjoin.test, made with the openssl CLI. */
function generateCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kjoin http test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=artifacts.kjoin.test']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:artifacts.kjoin.test\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') };
}

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

/** One handler per path for both servers; every request is logged with its headers. */
const routes = new Map<string, Handler>();
const seen: Array<{ path: string; headers: IncomingMessage['headers'] }> = [];
function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  seen.push({ path, headers: req.headers });
  const handler = routes.get(path.split('?')[0]!);
  if (!handler) return void res.writeHead(404).end('not found');
  handler(req, res, seen.filter((s) => s.path === path).length);
}

/** A forward proxy: CONNECT tunnels and absolute-form GETs; resolves artifacts.kjoin.test itself. */
const proxied: string[] = [];
/** Tunnelled sockets leave the server's bookkeeping, so closing it must end them explicitly. */
const tunnels = new Set<Socket>();
function createProxy(): Server {
  const hostOf = (host: string) => (host === 'artifacts.kjoin.test' ? '127.0.0.1' : host);
  const proxy = createHttpServer((req, res) => {
    const target = new URL(req.url ?? '');
    proxied.push(`GET ${target.host}`);
    const upstream = httpRequest({ host: hostOf(target.hostname), port: target.port, path: target.pathname, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    proxied.push(`CONNECT ${req.url}`);
    tunnels.add(client);
    const [host, port] = (req.url ?? '').split(':') as [string, string];
    const upstream = connectTcp(Number(port), hostOf(host), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return proxy;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const artifact = randomBytes(300 * 1024);

describe('GotHttp against real local servers', () => {
  let dir: string;
  let root: string;
  let ca: string;
  const servers: Server[] = [];
  let base: string;
  let secureBase: string;
  let securePort: number;
  let proxyUrl: string;
  let clock: RecordingClock;

  const client = (extra: Partial<GotHttpOptions> = {}) =>
    new GotHttp({ fs: new NodeFileSystem(root), clock, retry: { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 }, ...extra });
  const hits = (path: string) => seen.filter((s) => s.path === path).length;
  const tempFiles = (hostDir: string) => readdirSync(join(root, hostDir)).filter((name) => name.includes('.kjoin-'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kjoin-http-'));
    const pki = generateCertificates(dir);
    ca = pki.ca;
    const plain = createHttpServer(serve);
    const secure = createHttpsServer({ cert: pki.cert, key: pki.key }, serve);
    const proxy = createProxy();
    servers.push(plain, secure, proxy);
    base = `http://127.0.0.1:${await listen(plain)}`;
    securePort = await listen(secure);
    secureBase = `https://127.0.0.1:${securePort}`;
    proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
  });

  afterAll(async () => {
    for (const socket of tunnels) socket.destroy();
    await Promise.all(servers.map(close));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    root = mkdtempSync(join(dir, 'root-'));
    clock = new RecordingClock();
    routes.clear();
    seen.length = 0;
    proxied.length = 0;
    routes.set('/kubelet', (_req, res) => res.writeHead(200, { 'content-length': artifact.length }).end(artifact));
  });

  it('streams to the destination with the mode, verifies the sha256 and removes stale temp files', async () => {
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/local/bin/.kubelet.kjoin-0123456789ab'), 'left by a killed run');
    const result = await client().download({ url: `${base}/kubelet`, dest: '/usr/local/bin/kubelet', mode: 0o755, sha256: sha256(artifact) });
    expect(result).toEqual({ sha256: sha256(artifact), bytes: artifact.length });
    expect(readFileSync(join(root, 'usr/local/bin/kubelet')).equals(artifact)).toBe(true);
    expect(statSync(join(root, 'usr/local/bin/kubelet')).mode & 0o777).toBe(0o755);
    expect(tempFiles('usr/local/bin')).toEqual([]);
    expect(seen[0]?.headers['user-agent']).toMatch(/^kjoin\/\d+\.\d+\.\d+/);
  });

  it('reads the expected sha256 from a checksum URL (bare hex and sha256sum lists)', async () => {
    routes.set('/kubelet.sha256', (_req, res) => res.end(sha256(artifact)));
    routes.set('/runc.sha256sum', (_req, res) => res.end(`${sha256('other')}  runc.arm64\n${sha256(artifact)}  runc.amd64\n`));
    routes.set('/runc.amd64', (_req, res) => res.end(artifact));
    const http = client();
    await http.download({ url: `${base}/kubelet`, dest: '/usr/local/bin/kubelet', mode: 0o755, sha256Url: `${base}/kubelet.sha256` });
    const runc = await http.download({ url: `${base}/runc.amd64`, dest: '/usr/local/sbin/runc', mode: 0o755, sha256Url: `${base}/runc.sha256sum` });
    expect(runc.sha256).toBe(sha256(artifact));
    expect(readFileSync(join(root, 'usr/local/sbin/runc')).equals(artifact)).toBe(true);
  });

  it('on a wrong checksum keeps the existing file and leaves no temp file', async () => {
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/local/bin/kubelet'), 'the kubelet that works');
    const wrong = sha256('something else');
    const error = await client()
      .download({ url: `${base}/kubelet`, dest: '/usr/local/bin/kubelet', mode: 0o755, sha256: wrong })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).code).toBe('step-failed');
    expect((error as KjoinError).message).toBe(`checksum mismatch for ${base}/kubelet: expected ${wrong}, got ${sha256(artifact)}`);
    expect((error as KjoinError).hint).toMatch(/nothing was replaced/);
    expect(readFileSync(join(root, 'usr/local/bin/kubelet'), 'utf8')).toBe('the kubelet that works');
    expect(tempFiles('usr/local/bin')).toEqual([]);
  });

  it('retries 503 with growing, jittered backoff through the clock', async () => {
    routes.set('/flaky', (_req, res, hit) => (hit <= 2 ? res.writeHead(503).end('busy') : res.end(artifact)));
    const result = await client().download({ url: `${base}/flaky`, dest: '/opt/flaky', mode: 0o644, sha256: sha256(artifact) });
    expect(result.bytes).toBe(artifact.length);
    expect(hits('/flaky')).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
    const [first, second] = clock.sleeps as [number, number];
    // Equal jitter: retry n waits within [ceiling/2, ceiling], ceiling = 200 ms * 2^(n-1).
    expect(first).toBeGreaterThanOrEqual(100);
    expect(first).toBeLessThanOrEqual(200);
    expect(second).toBeGreaterThanOrEqual(200);
    expect(second).toBeLessThanOrEqual(400);
    expect(second).toBeGreaterThanOrEqual(first);
  });

  it('gives up after the configured attempts with a one-line error', async () => {
    routes.set('/down', (_req, res) => res.writeHead(503, 'Service Unavailable').end());
    const error = await client({ retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 } })
      .getText({ url: `${base}/down` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).message).toBe(`GET ${base}/down failed: HTTP 503 Service Unavailable (after 3 attempts)`);
    expect((error as HttpRequestError).statusCode).toBe(503);
    expect(hits('/down')).toBe(3);
  });

  it('retries a connection reset in the middle of the body', async () => {
    routes.set('/reset', (_req, res, hit) => {
      res.writeHead(200, { 'content-length': artifact.length });
      if (hit > 1) return void res.end(artifact);
      res.write(artifact.subarray(0, 100 * 1024), () => res.socket?.destroy());
    });
    const result = await client().download({ url: `${base}/reset`, dest: '/opt/reset', mode: 0o600, sha256: sha256(artifact) });
    expect(result.bytes).toBe(artifact.length);
    expect(hits('/reset')).toBe(2);
    expect(readFileSync(join(root, 'opt/reset')).equals(artifact)).toBe(true);
    expect(tempFiles('opt')).toEqual([]);
  });

  it('reports monotonic progress ending at the total', async () => {
    const events: DownloadProgress[] = [];
    await client().download({ url: `${base}/kubelet`, dest: '/opt/kubelet', mode: 0o755, sha256: sha256(artifact), onProgress: (p) => events.push(p) });
    expect(events.length).toBeGreaterThan(2);
    for (let i = 1; i < events.length; i++) expect(events[i]!.bytesDone).toBeGreaterThan(events[i - 1]!.bytesDone);
    expect(events.at(-1)).toEqual({ bytesDone: artifact.length, bytesTotal: artifact.length });
  });

  it('stops on abort, leaving neither the destination nor a temp file', async () => {
    const controller = new AbortController();
    routes.set('/slow', (_req, res) => {
      res.writeHead(200, { 'content-length': artifact.length });
      res.write(artifact.subarray(0, 1024), () => controller.abort());
    });
    const error = await client()
      .download({ url: `${base}/slow`, dest: '/opt/slow', mode: 0o644, sha256: sha256(artifact), signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as KjoinError).code).toBe('interrupted');
    expect(readdirSync(join(root, 'opt'))).toEqual([]);
  });

  it('survives an abort of its signal after the download finished (the runner aborts background work on failure)', async () => {
    const controller = new AbortController();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await client().download({ url: `${base}/kubelet`, dest: '/opt/done', mode: 0o755, sha256: sha256(artifact), signal: controller.signal });
      controller.abort(new Error('a later step failed'));
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
    expect(readFileSync(join(root, 'opt/done')).equals(artifact)).toBe(true);
  });

  it('trusts the given CA over HTTPS, and only that', async () => {
    routes.set('/version', (_req, res) => res.end('{"gitVersion":"v1.31.2"}'));
    expect(await client().getJson({ url: `${secureBase}/version`, ca })).toEqual({ gitVersion: 'v1.31.2' });
    const error = await client().getText({ url: `${secureBase}/version` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).message).toMatch(/^GET https:\/\/127\.0\.0\.1:\d+\/version failed: TLS certificate not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify/);
    expect((error as HttpRequestError).hint).toMatch(/never skips TLS verification/);
    expect((error as HttpRequestError).attempts).toBe(1);
  });

  it('keeps credentials out of errors and away from other origins', async () => {
    const token = 'scw-secret-0123456789abcdef';
    routes.set('/denied', (_req, res) => res.writeHead(401).end(`bad token ${token}`));
    routes.set('/hop', (_req, res) => res.writeHead(302, { location: `${secureBase}/landing` }).end());
    routes.set('/landing', (_req, res) => res.end('landed'));
    const http = client();
    const denied = await http.getText({ url: `${base}/denied?token=${token}`, headers: { 'X-Auth-Token': token } }).catch((e: unknown) => e);
    expect((denied as HttpRequestError).message).toBe(`GET ${base}/denied?token=REDACTED failed: HTTP 401 Unauthorized`);
    const refused = await http
      .request({ method: 'POST', url: 'http://127.0.0.1:1/auth', headers: { authorization: `Bearer ${token}` }, json: { token } })
      .catch((e: unknown) => e);
    expect((refused as HttpRequestError).networkCode).toBe('ECONNREFUSED');
    for (const error of [denied, refused]) expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(token);
    expect(await http.getText({ url: `${base}/hop`, headers: { 'X-Auth-Token': token }, ca })).toBe('landed');
    expect(seen.find((s) => s.path === '/hop')?.headers['x-auth-token']).toBe(token);
    expect(seen.find((s) => s.path === '/landing')?.headers['x-auth-token']).toBeUndefined();
  });

  it('returns any status from request() and does not repeat a POST on 503', async () => {
    routes.set('/pools', (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => res.writeHead(503, { 'x-request-id': 'r-1' }).end(body));
    });
    const response = await client().request({ method: 'POST', url: `${base}/pools`, json: { name: 'pool-a' } });
    expect(response).toEqual({ statusCode: 503, headers: expect.objectContaining({ 'x-request-id': 'r-1' }), body: '{"name":"pool-a"}' });
    expect(hits('/pools')).toBe(1);
  });

  it('goes through HTTP(S)_PROXY, and around it for NO_PROXY hosts', async () => {
    routes.set('/cluster-info', (_req, res) => res.end('ok'));
    const viaProxy = client({ proxy: readProxyEnv({ HTTP_PROXY: proxyUrl, https_proxy: proxyUrl }) });
    // The proxy, not this host, resolves the name: as on a site whose only way out is the proxy.
    expect(await viaProxy.getText({ url: `https://artifacts.kjoin.test:${securePort}/cluster-info`, ca })).toBe('ok');
    await viaProxy.download({ url: `${base}/kubelet`, dest: '/opt/kubelet', mode: 0o755, sha256: sha256(artifact) });
    expect(proxied).toEqual([`CONNECT artifacts.kjoin.test:${securePort}`, `CONNECT ${new URL(base).host}`]);

    proxied.length = 0;
    const bypassing = client({ proxy: readProxyEnv({ HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, NO_PROXY: 'example.com,127.0.0.0/8' }) });
    expect(await bypassing.getText({ url: `${secureBase}/cluster-info`, ca })).toBe('ok');
    await bypassing.download({ url: `${base}/kubelet`, dest: '/opt/kubelet2', mode: 0o755, sha256: sha256(artifact) });
    expect(proxied).toEqual([]);
    expect(hits('/cluster-info')).toBe(2);
  });

  it('names the proxy, without its password, when the proxy is what fails', async () => {
    const http = client({ proxy: readProxyEnv({ HTTPS_PROXY: 'http://svc:pr0xy-pass@127.0.0.1:1' }), retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
    const error = await http.getText({ url: `${secureBase}/cluster-info`, ca }).catch((e: unknown) => e);
    expect((error as HttpRequestError).message).toBe(
      `GET ${secureBase}/cluster-info failed: connection refused (ECONNREFUSED) via proxy http://127.0.0.1:1/ (after 2 attempts)`,
    );
    expect(hits('/cluster-info')).toBe(0);
  });
});
