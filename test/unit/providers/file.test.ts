import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { fileProvider } from '../../../src/providers/file.js';
import { makeTestPki, type TestPki } from '../../support/pki.js';
import { catchError, makeConfig, makeProviderContext, renderVersion, visibleText, type TestProviderContext } from './fixtures.js';

const FILE = '/etc/kjoin/bootstrap.conf';
const SERVER = 'https://k8s.example.net:6443';
const BEARER = '07401b.f395accd246ae52d';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki('file-ca');
});

function kubeconfig(options: { cluster?: Record<string, unknown>; user?: Record<string, unknown> } = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'prod', cluster: options.cluster ?? { server: SERVER, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') } }],
    contexts: [{ name: 'kubelet@prod', context: { cluster: 'prod', user: 'kubelet-bootstrap' } }],
    'current-context': 'kubelet@prod',
    users: [{ name: 'kubelet-bootstrap', user: options.user ?? { token: BEARER } }],
  });
}

function setUp(text: string | null, mode = 0o600, extraFiles: Record<string, string> = {}): TestProviderContext {
  const fs = new MemoryFileSystem();
  if (text !== null) fs.put(FILE, text, mode);
  for (const [path, content] of Object.entries(extraFiles)) fs.put(path, content);
  const ctx = makeProviderContext({ config: makeConfig({ provider: 'file', kubeconfigFile: FILE }), fs });
  ctx.http.reply(`${SERVER}/version`, { body: renderVersion('v1.29.10') }).reply(`${SERVER}/api`, { body: '{"kind":"APIVersions"}' });
  return ctx;
}

describe('file provider', () => {
  it('reads server and CA, checks the server and the token against that CA, and hands over the kubeconfig', async () => {
    const text = kubeconfig();
    const ctx = setUp(text);
    const discovery = await fileProvider.discover(ctx);
    const caPem = new X509Certificate(pki.caPem).toString();
    expect(discovery).toEqual({ server: SERVER, caPem, kubernetesVersion: '1.29.10', labels: {}, taints: [], credentials: { kind: 'kubeconfig', kubeconfig: text } });
    expect(ctx.http.calls.map((c) => [c.url, c.ca === caPem, c.headers.authorization])).toEqual([
      [`${SERVER}/version`, true, undefined],
      [`${SERVER}/api`, true, `Bearer ${BEARER}`],
    ]);
    expect(ctx.messages.some((m) => m.startsWith('warning'))).toBe(false);
  });

  it('warns when the kubeconfig is readable by other users', async () => {
    const ctx = setUp(kubeconfig(), 0o644);
    await fileProvider.discover(ctx);
    expect(ctx.messages).toContain(`warning: ${FILE} holds a credential and is accessible to other users (mode 0644); run chmod 600 ${FILE}`);
  });

  it('reads a certificate-authority file and accepts a client certificate (no token check)', async () => {
    const text = kubeconfig({
      cluster: { server: SERVER, 'certificate-authority': '/etc/kubernetes/pki/ca.crt' },
      user: { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' },
    });
    const ctx = setUp(text, 0o600, { '/etc/kubernetes/pki/ca.crt': pki.caPem });
    const discovery = await fileProvider.discover(ctx);
    expect(discovery.kubernetesVersion).toBe('1.29.10');
    expect(ctx.http.calls.map((c) => c.url)).toEqual([`${SERVER}/version`]);
  });

  it('refuses a token the API server does not authenticate, naming the user and file but not the token', async () => {
    const ctx = setUp(kubeconfig());
    ctx.http.reply(`${SERVER}/api`, { status: 401, body: '{"kind":"Status","code":401}' });
    const error = await catchError(() => fileProvider.discover(ctx));
    expect(error.code).toBe('refused');
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(`the API server refused the token of user "kubelet-bootstrap" in ${FILE} (HTTP 401)`);
    expect(visibleText(error)).not.toContain(BEARER);
  });

  it('never talks to an unverified server: no CA or insecure-skip-tls-verify is a configuration error', async () => {
    for (const cluster of [{ server: SERVER }, { server: SERVER, 'insecure-skip-tls-verify': true }]) {
      const ctx = setUp(kubeconfig({ cluster }));
      const error = await catchError(() => fileProvider.discover(ctx));
      expect(error.code).toBe('config');
      expect(error.hint).toMatch(/kjoin always verifies TLS/);
      expect(ctx.http.calls).toEqual([]);
    }
  });

  it('explains what is wrong with the file without quoting it', async () => {
    const cases: Array<[string | null, RegExp]> = [
      [null, /does not exist or is not a file/],
      [`users:\n- name: x\n  user: {token: ${BEARER}`, new RegExp(`^${FILE} is not valid YAML \\(line \\d+\\)$`)],
      [kubeconfig({ user: {} }), /has no credential for the kubelet/],
      [kubeconfig({ cluster: { server: 'http://k8s.example.net:8080', 'certificate-authority-data': 'eA==' } }), /is not an https:\/\/ URL/],
      [kubeconfig({ cluster: { server: SERVER, 'certificate-authority-data': Buffer.from('nope').toString('base64') } }), /the cluster CA is not valid/],
      [kubeconfig().replace("current-context: kubelet@prod", 'current-context: other'), /current-context "other" is not in contexts/],
    ];
    for (const [text, pattern] of cases) {
      const error = await catchError(() => fileProvider.discover(setUp(text)));
      expect(error.code).toBe('config');
      expect(error.message).toMatch(pattern);
      expect(visibleText(error)).not.toContain(BEARER);
    }
  });

  it('needs --kubeconfig', async () => {
    const ctx = makeProviderContext({ config: makeConfig({ provider: 'file' }) });
    expect((await catchError(() => fileProvider.discover(ctx))).message).toMatch(/needs a bootstrap kubeconfig/);
  });
});
