import nacl from 'tweetnacl';
import { KjoinError } from '../errors.js';

/**
 * WireGuard keys exactly as wireguard-tools handles them: 32-byte Curve25519 values written as 44 characters
 * of standard base64 with one "=" of padding. Private keys are clamped like `wg genkey` does, so a key made
 * here is byte-for-byte the kind `wg` makes. Errors never contain the key text: it may be a private key.
 */

export const KEY_BYTES = 32;
/** base64 of 32 bytes: 43 significant characters and one "=". */
export const KEY_BASE64_LENGTH = 44;

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

export type RandomSource = (length: number) => Uint8Array;

/** Curve25519 clamping (`curve25519_clamp_secret` in wireguard-tools): returns a clamped copy. */
export function clampPrivateKey(key: Uint8Array): Uint8Array {
  if (key.length !== KEY_BYTES) throw new Error(`internal: a Curve25519 key has ${KEY_BYTES} bytes, got ${key.length}`);
  const clamped = Uint8Array.from(key);
  clamped[0]! &= 248;
  clamped[31]! &= 127;
  clamped[31]! |= 64;
  return clamped;
}

export function encodeKey(key: Uint8Array): string {
  if (key.length !== KEY_BYTES) throw new Error(`internal: a WireGuard key has ${KEY_BYTES} bytes, got ${key.length}`);
  return Buffer.from(key).toString('base64');
}

/**
 * Decodes a key as `wg` does: exactly 44 characters, standard alphabet, "=" last, and no stray bits in the
 * final character (wireguard-tools rejects those too, so a key accepted here is accepted there).
 * Surrounding whitespace is ignored, as `wg pubkey` ignores the newline after a key.
 */
export function parseKey(text: string, what = 'WireGuard key'): Uint8Array {
  const candidate = text.trim();
  const hint = 'a WireGuard key is 44 characters of base64 ending in "=", as printed by `kjoin keys generate` or `wg genkey`';
  if (candidate.length !== KEY_BASE64_LENGTH) {
    throw new KjoinError('usage', `${what} has the wrong length: ${candidate.length} characters instead of ${KEY_BASE64_LENGTH}`, { hint });
  }
  if (!BASE64_KEY.test(candidate)) {
    throw new KjoinError('usage', `${what} is not base64: it must use A-Z a-z 0-9 + / and end in "="`, { hint });
  }
  const bytes = Buffer.from(candidate, 'base64');
  if (bytes.length !== KEY_BYTES || bytes.toString('base64') !== candidate) {
    throw new KjoinError('usage', `${what} is not canonical base64: its last character carries stray bits`, { hint });
  }
  return new Uint8Array(bytes);
}

/** A fresh clamped private key, base64 (like `wg genkey`). The random source is injectable for tests. */
export function generatePrivateKey(random: RandomSource = nacl.randomBytes): string {
  const bytes = random(KEY_BYTES);
  if (bytes.length !== KEY_BYTES) throw new Error(`internal: random source returned ${bytes.length} bytes instead of ${KEY_BYTES}`);
  return encodeKey(clampPrivateKey(bytes));
}

/**
 * The public key of a private key (like `wg pubkey`). tweetnacl's scalarMult clamps the scalar itself, so an
 * unclamped private key gives the same public key as its clamped form, exactly as in wireguard-tools.
 */
export function publicKeyFromPrivate(privateKey: string, what = 'the private key'): string {
  return encodeKey(nacl.scalarMult.base(parseKey(privateKey, what)));
}
