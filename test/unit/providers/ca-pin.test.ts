import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { checkPins, normalizePins, parsePemBundle, spkiPin } from '../../../src/providers/ca-pin.js';
import { makeTestPki, type TestPki } from '../../support/pki.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from '../config/upstream-vectors.js';
import { catchError } from './fixtures.js';

/** The pin as the kubeadm docs compute it, with the openssl CLI: an independent implementation. */
function opensslPin(pem: string): string {
  const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: pem });
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

describe('CA pins (hand-written cases)', () => {
  let pki: TestPki;
  let other: TestPki;
  beforeAll(() => {
    pki = makeTestPki('pin-test-ca');
    other = makeTestPki('other-ca');
  });

  it('hashes the DER SubjectPublicKeyInfo like openssl does, not the whole certificate', () => {
    expect(spkiPin(pki.caPem)).toBe(opensslPin(pki.caPem));
    const wholeCert = `sha256:${createHash('sha256').update(new X509Certificate(pki.caPem).raw).digest('hex')}`;
    expect(spkiPin(pki.caPem)).not.toBe(wholeCert);
  });

  it('returns the matching pin; upper-case pins are accepted', () => {
    const pin = opensslPin(pki.caPem);
    expect(checkPins([other.caPem, pki.caPem], [pin.toUpperCase().replace('SHA256', 'sha256')])).toBe(pin);
  });

  it('refuses a mismatch with exit 4, showing the expected and the actual pin', async () => {
    const error = await catchError(async () => checkPins([pki.caPem], [opensslPin(other.caPem)]));
    expect(error).toBeInstanceOf(KjoinError);
    expect(error.code).toBe('refused');
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe(`CA pin mismatch: expected ${opensslPin(other.caPem)}, got ${opensslPin(pki.caPem)}`);
    expect(error.hint).toMatch(/openssl/);
  });

  it('treats a malformed pin as a configuration error', async () => {
    const error = await catchError(async () => normalizePins(['sha256:xyz']));
    expect(error.code).toBe('config');
    expect(error.message).toMatch(/--discovery-token-ca-cert-hash: invalid hash/);
  });

  it('parses PEM bundles strictly', () => {
    const two = parsePemBundle(`${pki.caPem}\n${other.caPem}`);
    expect(two.ok && two.value.map(spkiPin)).toEqual([opensslPin(pki.caPem), opensslPin(other.caPem)]);
    expect(parsePemBundle('').ok).toBe(false);
    expect(parsePemBundle(`${pki.caPem}\nABC`).ok).toBe(false);
    expect(parsePemBundle(`junk\n${pki.caPem}`).ok).toBe(false);
    const broken = pki.caPem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
    expect(parsePemBundle(broken)).toEqual({ ok: false, errors: ['certificate 1 of 1 does not parse'] });
  });
});

interface PinVectors {
  vectors: Array<{ name: string; cert_pem: string; spki_der_hex: string; expected_pin: string }>;
  wrong_pin_for_testCertPEM: { sha256_of_whole_certificate_der: string };
  check_cases: Array<{ allowed_pins: string[]; certs: string[]; accepted: boolean; origin: string }>;
  pem_bundle_parse_cases: { cases: Array<{ name: string; valid: boolean }> };
}

const vectors = vectorsPresent ? readVectors<PinVectors>('ca-pin.json') : undefined;

describe.skipIf(!vectors)(describeVectors('ca-pin.json'), () => {
  if (!vectors) return noteVectorsMissing();
  const certByName: Record<string, string> = {
    testCertPEM: vectors.vectors[0]!.cert_pem,
    testCert2PEM: vectors.vectors[1]!.cert_pem,
  };

  it.each(vectors.vectors.map((v) => [v.name, v] as const))('pins %s', (_name, v) => {
    expect(spkiPin(v.cert_pem)).toBe(v.expected_pin);
    const der = new X509Certificate(v.cert_pem).publicKey.export({ type: 'spki', format: 'der' });
    expect(der.toString('hex')).toBe(v.spki_der_hex);
  });

  it('does not accept the hash of the whole certificate', async () => {
    const error = await catchError(async () => checkPins([certByName.testCertPEM!], [vectors.wrong_pin_for_testCertPEM.sha256_of_whole_certificate_der]));
    expect(error.code).toBe('refused');
  });

  it.each(vectors.check_cases.map((c) => [c.origin, c] as const))('check: %s', async (_origin, c) => {
    const pems = c.certs.map((name) => certByName[name]!);
    if (c.accepted) {
      expect(c.allowed_pins.map((p) => p.toLowerCase())).toContain(checkPins(pems, c.allowed_pins));
    } else {
      expect((await catchError(async () => checkPins(pems, c.allowed_pins))).code).toBe('refused');
    }
  });

  // The file describes its inputs in words; they are built here from the vector certificate.
  const bundleInputs: Record<string, () => string> = {
    'invalid certificate data': () => '\u0000',
    'certificate with junk appended': () => `${certByName.testCertPEM}\nABC`,
    'multiple certificates': () => `${certByName.testCertPEM}\n${certByName.testCertPEM}`,
    valid: () => certByName.testCertPEM!,
    'empty input': () => '',
  };
  it.each(vectors.pem_bundle_parse_cases.cases.map((c) => [c.name, c] as const))('PEM bundle: %s', (name, c) => {
    const build = bundleInputs[name];
    expect(build, `no input builder for "${name}"`).toBeDefined();
    expect(parsePemBundle(build!()).ok).toBe(c.valid);
  });
});
