import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/io/clock.js';
import { FakeExec } from '../../src/io/exec.js';
import { NodeFileSystem } from '../../src/io/fs.js';
import { NodeNetwork } from '../../src/io/net.js';
import { checkReachability } from '../../src/preflight/reachability.js';
import { makeConfig, makeContext } from '../unit/preflight/context.js';

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with the openssl CLI. */
function generateCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=kjoin test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kjoin-test-apiserver']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') };
}

function listen(server: Server | HttpsServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('NodeNetwork against real sockets', () => {
  const net = new NodeNetwork(new NodeFileSystem('/'));
  let dir: string;
  let ca: string;
  let https: HttpsServer;
  let httpsPort: number;
  // Accepts TCP and hangs up at once: a peer that does not speak TLS.
  let plain: Server;
  let plainPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kjoin-preflight-tls-'));
    const pki = generateCertificates(dir);
    ca = pki.ca;
    https = createHttpsServer({ cert: pki.cert, key: pki.key }, (_req, res) => res.end('ok'));
    httpsPort = await listen(https);
    plain = createTcpServer((socket) => socket.destroy());
    plainPort = await listen(plain);
  });

  afterAll(async () => {
    await Promise.all([https && close(https), plain && close(plain)]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the server against the given CA', async () => {
    const result = await net.tlsHandshake('127.0.0.1', httpsPort, { ca, timeoutMs: 5_000 });
    expect(result.authorized).toBe(true);
    expect(result.authorizationError).toBeUndefined();
    expect(result.peerSubject).toBe('CN=kjoin-test-apiserver');
    expect(result.peerIssuer).toBe('CN=kjoin test CA');
    expect(result.validTo).toMatch(/GMT$/);
  });

  it('verifies by host name too (SNI and subjectAltName)', async () => {
    expect((await net.tlsHandshake('localhost', httpsPort, { ca, timeoutMs: 5_000 })).authorized).toBe(true);
  });

  it('reports an unverified certificate without the CA, as a result rather than an error', async () => {
    const result = await net.tlsHandshake('127.0.0.1', httpsPort, { timeoutMs: 5_000 });
    expect(result.authorized).toBe(false);
    // The server sends only its leaf, so the public roots cannot find the issuer.
    expect(result.authorizationCode).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(result.authorizationError).toMatch(/unable to verify/);
  });

  it('reports a name the certificate does not carry', async () => {
    const result = await net.tlsHandshake('127.0.0.1', httpsPort, { ca, servername: 'api.other.example', timeoutMs: 5_000 });
    expect(result.authorized).toBe(false);
    expect(result.authorizationCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('rejects when the peer does not speak TLS', async () => {
    await expect(net.tlsHandshake('127.0.0.1', plainPort, { timeoutMs: 5_000 })).rejects.toThrow(/socket|ECONNRESET|disconnected/i);
  });

  it('connects over TCP to an open port and fails on a closed one', async () => {
    await expect(net.connectTcp('127.0.0.1', httpsPort, 5_000)).resolves.toBeUndefined();
    const probe = createTcpServer();
    const closedPort = await listen(probe);
    await close(probe);
    await expect(net.connectTcp('127.0.0.1', closedPort, 5_000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('resolves localhost', async () => {
    const addresses = await net.resolve('localhost');
    expect(addresses.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });

  it('sees the listening server in the kernel socket table', async () => {
    expect(await net.isPortFree(httpsPort)).toBe(false);
  });

  it('reports a kubeadm-style API server as a warning, and the same one with a public-CA expectation as a failure', async () => {
    const server = `https://127.0.0.1:${httpsPort}`;
    const kubeadm = makeContext({ config: makeConfig({ server }) });
    kubeadm.ports = { fs: new NodeFileSystem('/'), exec: new FakeExec(), clock: new FakeClock(), net };
    const kubeadmOutcomes = await checkReachability(kubeadm);
    expect(kubeadmOutcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'warn']);

    const scaleway = makeContext({ config: makeConfig({ provider: 'scaleway', scaleway: { apiUrl: server } }) });
    scaleway.ports = kubeadm.ports;
    const scalewayOutcomes = await checkReachability(scaleway);
    expect(scalewayOutcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'fail']);
    expect(scalewayOutcomes[2]?.message).toContain('unable to verify');
  });
});
