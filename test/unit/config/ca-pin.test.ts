import { describe, expect, it } from 'vitest';
import { parseCaPin } from '../../../src/config/ca-pin.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from './upstream-vectors.js';

const HEX = '345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3';

describe('parseCaPin', () => {
  it('canonicalises prefix and hex to lowercase', () => {
    expect(parseCaPin(`SHA256:${HEX.toUpperCase()}`)).toEqual({ ok: true, value: `sha256:${HEX}` });
    expect(parseCaPin(`Sha256:${HEX}`)).toEqual({ ok: true, value: `sha256:${HEX}` });
  });

  it('explains each kind of mistake', () => {
    const errorOf = (text: string) => {
      const parsed = parseCaPin(text);
      return parsed.ok ? null : parsed.errors[0];
    };
    expect(errorOf(HEX)).toMatch(/expected "format:hex-value"/);
    expect(errorOf(`md5:${HEX}`)).toMatch(/unknown hash format "md5"/);
    expect(errorOf(`sha256:${HEX.slice(2)}`)).toMatch(/expected 64 hex digits \(32 bytes\), got 62/);
    expect(errorOf(`sha256:${HEX.slice(1)}z`)).toMatch(/must be hexadecimal/);
  });
});

interface PinVectors {
  allow_cases: Array<{ input: string; valid: boolean; why: string }>;
  vectors: Array<{ expected_pin: string }>;
}

const vectors = vectorsPresent ? readVectors<PinVectors>('ca-pin.json') : undefined;

describe.skipIf(!vectors)(describeVectors('ca-pin.json'), () => {
  if (!vectors) return noteVectorsMissing();
  it.each(vectors.allow_cases.map((c) => [c.why, c] as const))('pin parsing: %s', (_why, c) => {
    const parsed = parseCaPin(c.input);
    expect(parsed.ok).toBe(c.valid);
    if (parsed.ok) expect(parsed.value).toBe(c.input.toLowerCase());
  });

  it.each(vectors.vectors.filter((v) => v.expected_pin).map((v) => v.expected_pin))('expected pin %s is already canonical', (pin) => {
    expect(parseCaPin(pin)).toEqual({ ok: true, value: pin });
  });
});
