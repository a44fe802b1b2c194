import { X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KjoinError } from '../../src/errors.js';
import { realClock } from '../../src/io/clock.js';
import { NodeFileSystem } from '../../src/io/fs.js';
import { GotHttp } from '../../src/io/http.js';
import { MemoryFileSystem } from '../../src/io/memory-fs.js';
import { getOnceUnverified } from '../../src/providers/cluster-info-fetch.js';
import { createKubeadmProvider } from '../../src/providers/kubeadm.js';
import type { ProviderContext } from '../../src/providers/types.js';
import { makeTestPki, type TestPki } from '../support/pki.js';
import { makeConfig, makeFacts } from '../unit/preflight/context.js';
import { renderClusterInfo, renderClusterInfoKubeconfig, renderVersion, TOKEN, TOKEN_ID, TOKEN_SECRET, visibleText } from '../unit/providers/fixtures.js';

/**
 * The whole kubeadm token discovery against real HTTPS servers on 127.0.0.1: the unverified first read on
 * node:https, then GotHttp verifying against the discovered CA only.
 */

const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
const KUBELET_CONFIG_PATH = '/api/v1/namespaces/kube-system/configmaps/kubelet-config';

interface FakeApiServer {
  server: Server;
  url: string;
  requests: Array<{ path: string; authorization?: string }>;
}

/** An API server double serving cluster-info (signed for TOKEN), /version and kubelet-config (token only). */
async function startApiServer(pki: TestPki, clusterInfo: string): Promise<FakeApiServer> {
  const requests: FakeApiServer['requests'] = [];
  const server = createHttpsServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    if (req.url === CLUSTER_INFO_PATH) return res.end(clusterInfo);
    if (req.url === '/version') return res.end(renderVersion('v1.31.3'));
    if (req.url === KUBELET_CONFIG_PATH) {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.statusCode = 401;
        return res.end('{"kind":"Status","code":401}');
      }
      return res.end(JSON.stringify({ data: { kubelet: 'clusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\n' } }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function stopServer(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

function makeContext(server: string, options: { token?: string; pins: string[]; unsafe?: boolean }): ProviderContext & { messages: string[] } {
  const messages: string[] = [];
  return {
    config: makeConfig({ server, caCertHashes: options.pins, unsafeSkipCaVerification: options.unsafe ?? false }),
    secrets: { token: options.token ?? TOKEN },
    facts: makeFacts(),
    http: new GotHttp({ fs: new NodeFileSystem('/'), clock: realClock, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } }),
    fs: new MemoryFileSystem(),
    clock: realClock,
    messages,
    progress: (message) => messages.push(message),
  };
}

const provider = createKubeadmProvider({ retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });

describe('kubeadm discovery against a real HTTPS API server', () => {
  let pki: TestPki;
  let impostorPki: TestPki;
  let genuine: FakeApiServer;
  let impostor: FakeApiServer;

  beforeAll(async () => {
    pki = makeTestPki('kubernetes');
    impostorPki = makeTestPki('kubernetes');
    genuine = await startApiServer(pki, renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem, 'https://127.0.0.1:6443')));
    // Same bytes as the genuine cluster-info (valid JWS, genuine CA inside), served with another CA's certificate.
    impostor = await startApiServer(impostorPki, renderClusterInfo(renderClusterInfoKubeconfig(pki.caPem, 'https://127.0.0.1:6443')));
  });

  afterAll(async () => {
    await Promise.all([stopServer(genuine?.server), stopServer(impostor?.server)]);
  });

  it('discovers the cluster: signed cluster-info, pinned CA, version and kubelet-config over verified TLS', async () => {
    const ctx = makeContext(genuine.url, { pins: [pki.caPin] });
    const before = genuine.requests.length;
    const discovery = await provider.discover(ctx);
    expect(discovery).toEqual({
      server: genuine.url,
      caPem: new X509Certificate(pki.caPem).toString(),
      kubernetesVersion: '1.31.3',
      labels: {},
      taints: [],
      kubeletConfig: { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' },
      credentials: { kind: 'bootstrap-token', token: TOKEN },
    });
    expect(genuine.requests.slice(before)).toEqual([
      { path: CLUSTER_INFO_PATH, authorization: undefined },
      { path: CLUSTER_INFO_PATH, authorization: undefined },
      { path: '/version', authorization: undefined },
      { path: KUBELET_CONFIG_PATH, authorization: `Bearer ${TOKEN}` },
    ]);
  });

  it('presents the server certificate chain on the unverified read', async () => {
    const response = await getOnceUnverified(`${genuine.url}${CLUSTER_INFO_PATH}`, { timeoutMs: 5_000 });
    expect(response.statusCode).toBe(200);
    expect(response.peerCertificates[0]).toBe(new X509Certificate(pki.certPem).toString());
  });

  it('refuses a wrong CA pin, showing both pins', async () => {
    const error = await provider.discover(makeContext(genuine.url, { pins: [impostorPki.caPin] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).code).toBe('refused');
    expect((error as KjoinError).message).toBe(`CA pin mismatch: expected ${impostorPki.caPin}, got ${pki.caPin}`);
  });

  it('refuses a wrong token secret and an unknown token id, without showing the secret', async () => {
    const wrongSecret = `${TOKEN_ID}.zzzzzzzzzzzzzzzz`;
    const bad = await provider.discover(makeContext(genuine.url, { pins: [pki.caPin], token: wrongSecret })).catch((e: unknown) => e);
    expect((bad as KjoinError).code).toBe('refused');
    expect((bad as KjoinError).message).toMatch(/^the bootstrap token was refused: .*bootstrap token abcdef/);
    expect(visibleText(bad)).not.toContain('zzzzzzzzzzzzzzzz');

    const unknown = await provider.discover(makeContext(genuine.url, { pins: [pki.caPin], token: `qwerty.${TOKEN_SECRET}` })).catch((e: unknown) => e);
    expect((unknown as KjoinError).message).toBe('the bootstrap token was refused: the cluster has no signature for token qwerty: the token does not exist or expired');
    expect(visibleText(unknown)).not.toContain(TOKEN_SECRET);
  });

  it('refuses an impostor serving genuine cluster-info under another CA, even without a pin', async () => {
    for (const options of [{ pins: [pki.caPin] }, { pins: [], unsafe: true }]) {
      const before = impostor.requests.length;
      const error = await provider.discover(makeContext(impostor.url, options)).catch((e: unknown) => e);
      expect((error as KjoinError).code).toBe('refused');
      expect((error as KjoinError).message).toMatch(/presented a certificate that is not signed by the cluster CA/);
      // The token never reaches the impostor: only the anonymous read happened.
      expect(impostor.requests.slice(before)).toEqual([{ path: CLUSTER_INFO_PATH, authorization: undefined }]);
    }
  });

  it('fails with exit 1 naming the address when nothing listens, after retrying', async () => {
    const closed = await startApiServer(pki, '{}');
    const url = closed.url;
    await stopServer(closed.server);
    const error = await provider.discover(makeContext(url, { pins: [pki.caPin] })).catch((e: unknown) => e);
    expect((error as KjoinError).code).toBe('step-failed');
    expect((error as KjoinError).exitCode).toBe(1);
    expect((error as KjoinError).message).toBe(`GET ${url}${CLUSTER_INFO_PATH} failed: connection refused (ECONNREFUSED) (after 2 attempts)`);
  });
});
