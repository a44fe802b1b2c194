import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { clampPrivateKey, encodeKey, generatePrivateKey, parseKey, publicKeyFromPrivate } from '../../../src/wireguard/keys.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from '../config/upstream-vectors.js';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A deterministic "random" source: counts up from `start`, so the clamping is visible in the result. */
function countingRandom(start: number) {
  return (length: number) => Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

function thrown(fn: () => unknown): KjoinError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KjoinError) return error;
    throw error;
  }
  throw new Error('expected a KjoinError');
}

describe('generatePrivateKey', () => {
  it('clamps like wg genkey and encodes 44 characters of padded base64', () => {
    const key = generatePrivateKey(() => new Uint8Array(32).fill(0xff));
    const bytes = Buffer.from(key, 'base64');
    expect(key).toHaveLength(44);
    expect(key.endsWith('=')).toBe(true);
    expect(bytes[0]).toBe(0xf8); // 0xff & 248
    expect(bytes[31]).toBe(0x7f); // (0xff & 127) | 64
    expect(bytes.subarray(1, 31).every((b) => b === 0xff)).toBe(true);
    const low = Buffer.from(generatePrivateKey(() => new Uint8Array(32)), 'base64');
    expect(low[0]).toBe(0);
    expect(low[31]).toBe(0x40);
  });

  it('uses the random source it is given, and real randomness otherwise', () => {
    const a = generatePrivateKey(countingRandom(1));
    expect(Buffer.from(a, 'base64')[5]).toBe(6);
    expect(generatePrivateKey(countingRandom(1))).toBe(a);
    const seen = new Set(Array.from({ length: 20 }, () => generatePrivateKey()));
    expect(seen.size).toBe(20);
    expect(() => generatePrivateKey(() => new Uint8Array(16))).toThrow(/16 bytes/);
  });
});

describe('parseKey', () => {
  const valid = generatePrivateKey(countingRandom(7));

  it('accepts a key with the newline `wg genkey` prints after it', () => {
    expect(toHex(parseKey(`${valid}\n`))).toBe(Buffer.from(valid, 'base64').toString('hex'));
  });

  it('explains what is wrong without echoing the key', () => {
    const secretish = valid.slice(0, 40);
    const short = thrown(() => parseKey(secretish));
    expect(short.code).toBe('usage');
    expect(short.message).toMatch(/wrong length: 40 characters instead of 44/);
    expect(short.message).not.toContain(secretish);
    expect(short.hint).toMatch(/kjoin keys generate/);

    const url = valid.replace(/[+/]/g, '-').replace(/^./, '-');
    const notBase64 = thrown(() => parseKey(url));
    expect(notBase64.message).toMatch(/not base64/);
    expect(notBase64.message).not.toContain(url.slice(1, 20));

    expect(thrown(() => parseKey(valid.replace(/=$/, 'A'))).message).toMatch(/not base64/);
    // "B" before "=" leaves a stray low bit in the last byte group, which wg rejects too.
    const stray = `${valid.slice(0, 42)}${valid[42] === 'B' ? 'C' : 'B'}=`;
    expect(Buffer.from(stray, 'base64').toString('base64')).not.toBe(stray);
    expect(thrown(() => parseKey(stray)).message).toMatch(/stray bits/);
    expect(thrown(() => parseKey('')).message).toMatch(/0 characters/);
  });
});

describe('publicKeyFromPrivate', () => {
  it('gives the same public key for a key and its clamped form', () => {
    const raw = new Uint8Array(32).fill(0xab);
    const unclamped = encodeKey(raw);
    const clamped = encodeKey(clampPrivateKey(raw));
    expect(unclamped).not.toBe(clamped);
    expect(publicKeyFromPrivate(unclamped)).toBe(publicKeyFromPrivate(clamped));
  });

  it('derives keys that agree on a shared secret (Diffie-Hellman)', () => {
    const a = generatePrivateKey();
    const b = generatePrivateKey();
    const ab = nacl.scalarMult(parseKey(a), parseKey(publicKeyFromPrivate(b)));
    const ba = nacl.scalarMult(parseKey(b), parseKey(publicKeyFromPrivate(a)));
    expect(toHex(ab)).toBe(toHex(ba));
    expect(publicKeyFromPrivate(a)).not.toBe(publicKeyFromPrivate(b));
  });

  it('labels errors with what it was reading', () => {
    expect(() => publicKeyFromPrivate('nope', 'the private key on standard input')).toThrow(/^the private key on standard input has the wrong length/);
  });
});

interface KeyVector {
  hex: string;
  base64: string;
  base64_clamped?: string;
  hex_clamped?: string;
}
interface X25519Vectors {
  rfc7748_section_6_1: Record<'alice_private' | 'alice_public' | 'bob_private' | 'bob_public' | 'shared_secret', KeyVector>;
  rfc7748_section_5_2: {
    single: Array<{ scalar: string; u: string; output: string }>;
    iterated: { after_1: string; after_1000: string; after_1000000: string };
  };
}

const vectors = vectorsPresent ? readVectors<X25519Vectors>('x25519.json') : undefined;

describe.skipIf(!vectors)(describeVectors('x25519.json'), () => {
  if (!vectors) return noteVectorsMissing();
  const dh = vectors.rfc7748_section_6_1;

  it.each(['alice', 'bob'] as const)('section 6.1: %s public key from the raw and the clamped private key', (who) => {
    const priv = dh[`${who}_private`];
    const pub = dh[`${who}_public`];
    expect(encodeKey(hex(priv.hex))).toBe(priv.base64);
    expect(encodeKey(clampPrivateKey(hex(priv.hex)))).toBe(priv.base64_clamped);
    expect(toHex(clampPrivateKey(hex(priv.hex)))).toBe(priv.hex_clamped);
    expect(publicKeyFromPrivate(priv.base64)).toBe(pub.base64);
    expect(publicKeyFromPrivate(priv.base64_clamped!)).toBe(pub.base64);
    expect(toHex(parseKey(pub.base64))).toBe(pub.hex);
  });

  it('section 6.1: both sides compute the shared secret', () => {
    const shared = nacl.scalarMult(parseKey(dh.alice_private.base64), parseKey(dh.bob_public.base64));
    expect(encodeKey(shared)).toBe(dh.shared_secret.base64);
    expect(toHex(nacl.scalarMult(parseKey(dh.bob_private.base64), parseKey(dh.alice_public.base64)))).toBe(dh.shared_secret.hex);
  });

  it.each(vectors.rfc7748_section_5_2.single.map((v, i) => [i + 1, v] as const))('section 5.2 vector %i', (_n, v) => {
    expect(toHex(nacl.scalarMult(hex(v.scalar), hex(v.u)))).toBe(v.output);
  });

  it('section 5.2: tweetnacl ignores the top bit of the u-coordinate (masking), as RFC 7748 requires', () => {
    const masked = vectors.rfc7748_section_5_2.single.find((v) => (hex(v.u)[31]! & 0x80) !== 0);
    expect(masked, 'the vectors include a u with the top bit set').toBeDefined();
    const u = hex(masked!.u);
    const cleared = Uint8Array.from(u);
    cleared[31]! &= 0x7f;
    expect(toHex(nacl.scalarMult(hex(masked!.scalar), cleared))).toBe(masked!.output);
  });

  it('section 5.2: iterated 1 and 1,000 times (the 1,000,000 case takes minutes and is left out)', () => {
    let k: Uint8Array = hex('09'.padEnd(64, '0'));
    let u: Uint8Array = Uint8Array.from(k);
    for (let i = 1; i <= 1000; i++) {
      const next = nacl.scalarMult(k, u);
      u = k;
      k = next;
      if (i === 1) expect(toHex(k)).toBe(vectors.rfc7748_section_5_2.iterated.after_1);
    }
    expect(toHex(k)).toBe(vectors.rfc7748_section_5_2.iterated.after_1000);
  });
});
