import { describe, expect, it } from 'vitest';
import { parseLabel, validateDns1123Subdomain, validateLabelKey, validateLabelValue } from '../../../src/config/labels.js';
import { checkNodeLabels } from '../../../src/config/node-restriction.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from './upstream-vectors.js';

describe('validateLabelKey', () => {
  it.each(['app', 'example.com/app', 'Uppercase_Name.1', 'a', '1.2.3.4/x', 'node.kubernetes.io/pool'])('accepts %s', (key) => {
    expect(validateLabelKey(key)).toEqual([]);
  });

  it('allows a 63-character name and refuses 64', () => {
    expect(validateLabelKey('n'.repeat(63))).toEqual([]);
    expect(validateLabelKey('n'.repeat(64))).toEqual(['name part must be no more than 63 characters']);
  });

  it('allows a 253-character prefix and refuses 254', () => {
    const prefix253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(prefix253).toHaveLength(253);
    expect(validateLabelKey(`${prefix253}/x`)).toEqual([]);
    expect(validateLabelKey(`${prefix253}a/x`)).toEqual(['prefix part must be no more than 253 characters']);
  });

  it('explains an uppercase prefix with the Kubernetes message', () => {
    const [error] = validateLabelKey('Example.com/x');
    expect(error).toMatch(/^prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters/);
    expect(error).toContain("regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'");
  });

  it('names empty parts and extra slashes', () => {
    expect(validateLabelKey('/x')).toEqual(['prefix part must be non-empty']);
    expect(validateLabelKey('example.com/')[0]).toBe('name part must be non-empty');
    expect(validateLabelKey('a/b/c')[0]).toMatch(/^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/'/);
  });

  it.each(['-a', 'a-', 'a b', '_a', 'é'])('refuses %j', (key) => {
    expect(validateLabelKey(key).length).toBeGreaterThan(0);
  });
});

describe('validateLabelValue', () => {
  it('allows empty and 63 characters, refuses 64', () => {
    expect(validateLabelValue('')).toEqual([]);
    expect(validateLabelValue('v'.repeat(63))).toEqual([]);
    expect(validateLabelValue('v'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });

  it.each(['a/b', 'a b', '-a', 'a.', 'a\n'])('refuses %j with the upstream message', (value) => {
    expect(validateLabelValue(value)[0]).toMatch(/^a valid label must be an empty string or consist of alphanumeric characters/);
  });
});

describe('parseLabel', () => {
  it('splits on the first =', () => {
    expect(parseLabel('example.com/tier=web')).toEqual({ ok: true, value: { key: 'example.com/tier', value: 'web' } });
    expect(parseLabel('empty=')).toEqual({ ok: true, value: { key: 'empty', value: '' } });
  });

  it('refuses text without =, and a value containing =', () => {
    expect(parseLabel('novalue')).toEqual({ ok: false, errors: ['"novalue" is not key=value'] });
    const parsed = parseLabel('a=b=c');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]).toMatch(/^value "b=c": a valid label/);
  });
});

describe('validateDns1123Subdomain', () => {
  it('accepts node names and refuses uppercase or underscores', () => {
    expect(validateDns1123Subdomain('worker-1.example.com')).toEqual([]);
    expect(validateDns1123Subdomain('Worker_1')).toHaveLength(1);
  });
});

interface LabelVectors {
  keys: { valid: string[]; invalid: string[] };
  values: { valid: string[]; invalid: string[] };
  length_limit_cases: Array<{ kind: 'key' | 'value'; what: string; input: string; valid: boolean }>;
  derived: { keys: { valid: string[]; invalid: string[] }; values: { valid: string[]; invalid: string[] } };
}
interface RestrictionVectors {
  kubelet_flag_cases: Array<{ labels: Record<string, string>; accepted: boolean; reason: string }>;
}

const labels = vectorsPresent ? readVectors<LabelVectors>('labels.json') : undefined;
const restriction = vectorsPresent ? readVectors<RestrictionVectors>('node-restriction.json') : undefined;

describe.skipIf(!labels)(describeVectors('labels.json'), () => {
  if (!labels || !restriction) return noteVectorsMissing();
  const keys = [
    ...labels.keys.valid.map((k) => [k, true] as const),
    ...labels.keys.invalid.map((k) => [k, false] as const),
    ...labels.derived.keys.valid.map((k) => [k, true] as const),
    ...labels.derived.keys.invalid.map((k) => [k, false] as const),
  ];
  it.each(keys)('key %j valid=%s', (key, valid) => {
    expect(validateLabelKey(key).length === 0).toBe(valid);
  });

  const values = [
    ...labels.values.valid.map((v) => [v, true] as const),
    ...labels.values.invalid.map((v) => [v, false] as const),
    ...labels.derived.values.valid.map((v) => [v, true] as const),
    ...labels.derived.values.invalid.map((v) => [v, false] as const),
  ];
  it.each(values)('value %j valid=%s', (value, valid) => {
    expect(validateLabelValue(value).length === 0).toBe(valid);
  });

  it.each(labels.length_limit_cases.map((c) => [c.what, c] as const))('length limit: %s', (_what, c) => {
    const errors = c.kind === 'key' ? validateLabelKey(c.input) : validateLabelValue(c.input);
    expect(errors.length === 0).toBe(c.valid);
  });

  it.each(restriction.kubelet_flag_cases.map((c) => [c.reason, c] as const))('kubelet --node-labels: %s', (_reason, c) => {
    expect(checkNodeLabels(c.labels).length === 0).toBe(c.accepted);
  });
});
