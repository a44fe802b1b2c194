import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/io/clock.js';
import { AttemptFailure } from '../../../src/io/http-errors.js';
import { parseKubernetesVersion } from '../../../src/providers/api-server.js';
import { fetchUnverified, verifyChainToCa, type UnverifiedResponse } from '../../../src/providers/cluster-info-fetch.js';
import { makeTestPki, type TestPki } from '../../support/pki.js';
import { catchError } from './fixtures.js';

/** root CA → intermediate CA → leaf, with the openssl CLI (the shape of a cluster behind an intermediate). */
function makeChain(): { root: string; intermediate: string; leaf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kjoin-chain-'));
  try {
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    run(['req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.crt', '-days', '2', '-subj', '/CN=root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
    writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n');
    run(['req', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=intermediate']);
    run(['x509', '-req', '-in', 'int.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.crt', '-days', '2', '-extfile', 'ca.ext']);
    writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1\n');
    run(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=kube-apiserver']);
    run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2', '-extfile', 'leaf.ext']);
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return { root: read('root.crt'), intermediate: read('int.crt'), leaf: read('leaf.crt') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('verifyChainToCa', () => {
  let pki: TestPki;
  let other: TestPki;
  let chain: ReturnType<typeof makeChain>;
  beforeAll(() => {
    pki = makeTestPki('a');
    other = makeTestPki('b');
    chain = makeChain();
  });

  it('accepts a leaf signed by the CA, and refuses one signed by another CA with the same name', () => {
    expect(verifyChainToCa([pki.certPem], [pki.caPem])).toBe(true);
    expect(verifyChainToCa([other.certPem], [pki.caPem])).toBe(false);
    expect(verifyChainToCa([pki.certPem], [other.caPem, pki.caPem])).toBe(true);
  });

  it('follows intermediates the server presented, checking each signature', () => {
    expect(verifyChainToCa([chain.leaf, chain.intermediate], [chain.root])).toBe(true);
    expect(verifyChainToCa([chain.leaf], [chain.root])).toBe(false);
    expect(verifyChainToCa([chain.leaf, chain.intermediate], [pki.caPem])).toBe(false);
  });

  it('refuses an empty or unparsable chain', () => {
    expect(verifyChainToCa([], [pki.caPem])).toBe(false);
    expect(verifyChainToCa(['not a certificate'], [pki.caPem])).toBe(false);
  });
});

describe('fetchUnverified', () => {
  const URL = 'https://10.0.0.1:6443/api/v1/namespaces/kube-public/configmaps/cluster-info';
  const ok: UnverifiedResponse = { statusCode: 200, body: '{}', peerCertificates: [] };

  it('retries 5xx and network failures, and returns other statuses to the caller', async () => {
    const answers: Array<UnverifiedResponse | AttemptFailure> = [
      new AttemptFailure({ kind: 'network', code: 'ECONNRESET', retryable: true }),
      { ...ok, statusCode: 502 },
      { ...ok, statusCode: 403 },
    ];
    let calls = 0;
    const response = await fetchUnverified(URL, {
      clock: new FakeClock(),
      get: async () => {
        const answer = answers[calls++]!;
        if (answer instanceof AttemptFailure) throw answer;
        return answer;
      },
    });
    expect(response.statusCode).toBe(403);
    expect(calls).toBe(3);
  });

  it('reports the last failure as a step failure naming the URL and the attempts', async () => {
    const error = await catchError(() =>
      fetchUnverified(URL, {
        clock: new FakeClock(),
        retry: { attempts: 2 },
        get: async () => {
          throw new AttemptFailure({ kind: 'network', code: 'EHOSTUNREACH', retryable: true });
        },
      }),
    );
    expect(error.code).toBe('step-failed');
    expect(error.message).toBe(`GET ${URL} failed: host unreachable (EHOSTUNREACH) (after 2 attempts)`);
  });

  it('refuses plain http', async () => {
    await expect(fetchUnverified('http://10.0.0.1:6443/x', { clock: new FakeClock(), get: async () => ok })).rejects.toThrow(/must be fetched over https/);
  });
});

describe('parseKubernetesVersion', () => {
  it.each([
    ['v1.31.2', '1.31.2'],
    ['1.31.2', '1.31.2'],
    ['v1.30.4+k3s1', '1.30.4'],
    ['v1.32.0-rc.1', '1.32.0-rc.1'],
    ['v1.29.1-eks-b9c9ed7', '1.29.1'],
  ])('%s → %s', (input, expected) => {
    expect(parseKubernetesVersion(input)).toBe(expected);
  });

  it('returns null for what is not a version', () => {
    expect(parseKubernetesVersion('nginx')).toBeNull();
    expect(parseKubernetesVersion('')).toBeNull();
  });
});
