/**
 * CA public-key pins as given to kubeadm join --discovery-token-ca-cert-hash: "sha256:<64 hex>", SHA-256
 * of the CA certificate's DER SubjectPublicKeyInfo. Parsing follows kubeadm's pubkeypin.Set.
 */

import type { Parsed } from './parsed.js';

const HEX_RE = /^[0-9a-fA-F]*$/;
const SHA256_HEX_LENGTH = 64;

/** Returns the canonical lowercase pin ("sha256:<hex>"), or why the text is not one. */
export function parseCaPin(text: string): Parsed<string> {
  const parts = text.split(':');
  if (parts.length !== 2) {
    return { ok: false, errors: [`invalid hash "${text}", expected "format:hex-value" such as sha256:<64 hex digits>`] };
  }
  const [format, hex] = parts as [string, string];
  if (format.toLowerCase() !== 'sha256') {
    return { ok: false, errors: [`unknown hash format "${format}" in "${text}": only sha256 is supported`] };
  }
  if (!HEX_RE.test(hex)) {
    return { ok: false, errors: [`invalid hash "${text}": the value after sha256: must be hexadecimal`] };
  }
  if (hex.length !== SHA256_HEX_LENGTH) {
    return {
      ok: false,
      errors: [`invalid hash "${text}": expected ${SHA256_HEX_LENGTH} hex digits (32 bytes), got ${hex.length}`],
    };
  }
  return { ok: true, value: `sha256:${hex.toLowerCase()}` };
}
