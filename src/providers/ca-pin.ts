/**
 * CA public-key pins (kubeadm --discovery-token-ca-cert-hash) checked against the CA certificates found in
 * cluster-info, and PEM bundle parsing as kubeadm's discovery does it. The pin text itself is parsed by
 * config/ca-pin.ts; this file computes pins from certificates and compares.
 */

import { createHash, X509Certificate } from 'node:crypto';
import { parseCaPin } from '../config/ca-pin.js';
import { KjoinError } from '../errors.js';
import type { Parsed } from '../config/parsed.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/** "sha256:" + hex SHA-256 of the certificate's DER SubjectPublicKeyInfo (not of the whole certificate). */
export function spkiPin(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/**
 * Splits a PEM bundle into its certificates. Like kubeadm's parsePEMCerts it refuses an empty bundle,
 * anything that is not a certificate block (junk before, between or after) and blocks that do not parse.
 */
export function parsePemBundle(text: string): Parsed<string[]> {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { ok: false, errors: ['no PEM certificate found'] };
  if (text.replace(PEM_CERTIFICATE, '').trim() !== '') {
    return { ok: false, errors: ['unexpected data around the PEM certificates'] };
  }
  const pems: string[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      pems.push(new X509Certificate(block).toString());
    } catch {
      return { ok: false, errors: [`certificate ${index + 1} of ${blocks.length} does not parse`] };
    }
  }
  return { ok: true, value: pems };
}

/** Canonical pins from operator text; a malformed one is a configuration error (exit 2). */
export function normalizePins(pins: readonly string[]): string[] {
  return pins.map((text) => {
    const parsed = parseCaPin(text);
    if (!parsed.ok) {
      throw new KjoinError('config', `--discovery-token-ca-cert-hash: ${parsed.errors[0]}`, {
        hint: 'copy the hash printed by kubeadm token create --print-join-command',
      });
    }
    return parsed.value;
  });
}

/**
 * Returns the pin of the first CA certificate that one of `pins` allows (kubeadm's CheckAny). Otherwise
 * throws a 'refused' error showing what was expected and what the cluster presented, so a stale or mistyped
 * hash is easy to tell from an impostor.
 */
export function checkPins(caPems: readonly string[], pins: readonly string[]): string {
  const allowed = new Set(normalizePins(pins));
  const actual = caPems.map(spkiPin);
  const match = actual.find((pin) => allowed.has(pin));
  if (match !== undefined) return match;
  const expected = allowed.size === 0 ? '(no pin given)' : [...allowed].join(' or ');
  throw new KjoinError('refused', `CA pin mismatch: expected ${expected}, got ${actual.join(', ')}`, {
    hint:
      'the cluster CA is not the one pinned: recompute the hash on the control plane (openssl x509 -pubkey -in ' +
      '/etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der | sha256sum) or check that --server is the right cluster',
  });
}
