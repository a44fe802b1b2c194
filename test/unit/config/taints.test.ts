import { describe, expect, it } from 'vitest';
import type { Taint } from '../../../src/config/types.js';
import {
  findTaintConflicts,
  parseNodeTaints,
  parseRegisterWithTaints,
  parseTaint,
  parseTaintSpecs,
  validateTaint,
} from '../../../src/config/taints.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from './upstream-vectors.js';

/** Kubernetes treats a missing value as ""; compare taints that way. */
function withValue(taint: Taint): Required<Taint> {
  return { key: taint.key, value: taint.value ?? '', effect: taint.effect };
}

describe('parseTaint', () => {
  it('parses key=value:Effect and key:Effect', () => {
    expect(parseTaint('dedicated=gpu:NoSchedule')).toEqual({ ok: true, value: { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' } });
    expect(parseTaint('example.com/spot:PreferNoSchedule')).toEqual({ ok: true, value: { key: 'example.com/spot', effect: 'PreferNoSchedule' } });
    expect(parseTaint('empty=:NoExecute')).toEqual({ ok: true, value: { key: 'empty', effect: 'NoExecute' } });
  });

  it('requires an effect to add a taint', () => {
    const parsed = parseTaint('dedicated=gpu');
    expect(parsed.ok).toBe(false);
  });

  it('refuses effects case-insensitively spelled and names the valid ones', () => {
    const parsed = parseTaint('a=b:noschedule');
    expect(parsed).toEqual({
      ok: false,
      errors: ['invalid taint spec "a=b:noschedule": invalid taint effect "noschedule": must be one of NoSchedule, PreferNoSchedule, NoExecute (case-sensitive)'],
    });
  });

  it.each(['a=b=c:NoSchedule', 'a:b:NoSchedule', ':NoSchedule', 'a=-b:NoSchedule', `a=${'v'.repeat(64)}:NoSchedule`, 'Bad.Prefix/x:NoSchedule'])(
    'refuses %j',
    (spec) => {
      expect(parseTaint(spec).ok).toBe(false);
    },
  );
});

describe('parseTaintSpecs', () => {
  it('rejects two taints with the same key and effect', () => {
    expect(parseTaintSpecs(['a=1:NoSchedule', 'a=2:NoSchedule'])).toEqual({
      ok: false,
      errors: ['duplicated taints with the same key and effect: a:NoSchedule'],
    });
    expect(parseTaintSpecs(['a=1:NoSchedule', 'a=2:NoExecute']).ok).toBe(true);
  });

  it('separates removals', () => {
    expect(parseTaintSpecs(['a:NoSchedule-', 'b-'])).toEqual({
      ok: true,
      value: { add: [], remove: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b' }] },
    });
  });
});

describe('parseNodeTaints', () => {
  const name = (i: number) => `spec.node.taints.${i}`;

  it('accepts strings and objects and canonicalises both', () => {
    const result = parseNodeTaints(['a=1:NoSchedule', { key: 'b', value: '', effect: 'NoExecute' }, { key: 'c', value: 'x', effect: 'PreferNoSchedule' }], name);
    expect(result.errors).toEqual([]);
    expect(result.taints).toEqual([
      { key: 'a', value: '1', effect: 'NoSchedule' },
      { key: 'b', effect: 'NoExecute' },
      { key: 'c', value: 'x', effect: 'PreferNoSchedule' },
    ]);
  });

  it('names the item with the problem and rejects duplicates across forms', () => {
    const result = parseNodeTaints(['a=1:NoSchedule', { key: 'a', value: '2', effect: 'NoSchedule' }, 'x-', { key: 'Bad_', effect: 'NoSchedule' }], name);
    expect(result.taints).toHaveLength(1);
    expect(result.errors[0]).toBe('spec.node.taints.1: duplicated taints with the same key and effect: a:NoSchedule');
    expect(result.errors[1]).toMatch(/^spec\.node\.taints\.2: "x-" removes a taint/);
    expect(result.errors[2]).toMatch(/^spec\.node\.taints\.3: invalid taint: key "Bad_": name part/);
  });

  it('validates object effects too (for callers that skip the schema)', () => {
    expect(validateTaint({ key: 'a', effect: 'Sometimes' as never })).toHaveLength(1);
  });
});

interface TaintVectors {
  valid_effects: string[];
  kubectl_parseTaints_cases: Array<{ name: string; spec: string[]; error: boolean; add?: Array<Required<Taint>>; remove?: Array<{ key: string; effect: string }> }>;
  kubectl_taint_command_cases: Array<{ description: string; args: string[]; error: boolean }>;
  kubelet_register_with_taints_flag_cases: Array<{ flag: string; taints: Array<Required<Taint>> }>;
  derived: {
    valid: Array<{ spec: string; taint: Required<Taint> }>;
    invalid: string[];
    parseTaints_lists: Array<{ spec: string[]; error: boolean; why: string }>;
    command_conflicts: Array<{ args: string[]; error: boolean; why: string }>;
  };
}

const vectors = vectorsPresent ? readVectors<TaintVectors>('taints.json') : undefined;

/** kubectl taint NODE ARGS...: parseTaints, then Validate()'s add/remove conflict check. */
function runTaintCommand(args: string[]): boolean {
  const parsed = parseTaintSpecs(args);
  return parsed.ok && findTaintConflicts(parsed.value.add, parsed.value.remove).length === 0;
}

describe.skipIf(!vectors)(describeVectors('taints.json'), () => {
  if (!vectors) return noteVectorsMissing();

  it.each(vectors.valid_effects)('effect %s is accepted', (effect) => {
    expect(parseTaint(`k:${effect}`).ok).toBe(true);
  });

  it.each(vectors.kubectl_parseTaints_cases.map((c) => [c.name, c] as const))('kubectl parseTaints: %s', (_name, c) => {
    const parsed = parseTaintSpecs(c.spec);
    expect(!parsed.ok).toBe(c.error);
    if (parsed.ok) {
      expect(parsed.value.add.map(withValue)).toEqual(c.add);
      expect(parsed.value.remove.map((r) => ({ key: r.key, effect: r.effect ?? '' }))).toEqual(c.remove);
    }
  });

  it.each(vectors.kubectl_taint_command_cases.map((c) => [c.description, c] as const))('kubectl taint: %s', (_d, c) => {
    expect(runTaintCommand(c.args)).toBe(!c.error);
  });

  it.each(vectors.kubelet_register_with_taints_flag_cases.map((c) => [c.flag, c] as const))('--register-with-taints %j', (flag, c) => {
    const parsed = parseRegisterWithTaints(flag);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.map(withValue)).toEqual(c.taints);
  });

  it.each(vectors.derived.valid.map((c) => [c.spec, c.taint] as const))('derived valid %j', (spec, taint) => {
    const parsed = parseTaint(spec);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(withValue(parsed.value)).toEqual(taint);
  });

  it.each(vectors.derived.invalid)('derived invalid %j', (spec) => {
    expect(parseTaint(spec).ok).toBe(false);
    expect(parseNodeTaints([spec], () => 'x').errors).toHaveLength(1);
  });

  it.each(vectors.derived.parseTaints_lists.map((c) => [c.why, c] as const))('derived list: %s', (_why, c) => {
    expect(parseTaintSpecs(c.spec).ok).toBe(!c.error);
    expect(parseNodeTaints(c.spec, () => 'x').errors.length > 0).toBe(c.error);
  });

  it.each(vectors.derived.command_conflicts.map((c) => [c.why, c] as const))('derived conflict: %s', (_why, c) => {
    expect(runTaintCommand(c.args)).toBe(!c.error);
  });
});
