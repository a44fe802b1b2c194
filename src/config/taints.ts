/**
 * Node taints in kubectl / kubelet --register-with-taints syntax: "key=value:Effect" or "key:Effect".
 * Rules follow kubectl's parseTaint/parseTaints so a spec that works with `kubectl taint` works here.
 */

import type { TaintInput } from './schema.js';
import type { Taint, TaintEffect } from './types.js';
import { validateLabelKey, validateLabelValue } from './labels.js';
import type { Parsed } from './parsed.js';

export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A removal spec ("key:Effect-" or "key-"); no effect means every taint with that key. */
export interface TaintRemoval {
  key: string;
  effect?: TaintEffect;
}

export function isTaintEffect(effect: string): effect is TaintEffect {
  return (TAINT_EFFECTS as readonly string[]).includes(effect);
}

/** Case-sensitive, as in the API: "noschedule" is refused. */
export function validateTaintEffect(effect: string): string[] {
  return isTaintEffect(effect)
    ? []
    : [`invalid taint effect "${effect}": must be one of ${TAINT_EFFECTS.join(', ')} (case-sensitive)`];
}

function buildTaint(key: string, value: string, effect: TaintEffect): Taint {
  // An empty value and no value mean the same to Kubernetes; keep the object minimal.
  return value === '' ? { key, effect } : { key, value, effect };
}

/** kubectl parseTaint: the effect is optional at this level (removal specs and key-only specs). */
function parseTaintParts(spec: string): Parsed<{ key: string; value: string; effect?: TaintEffect }> {
  const invalid = (why?: string): Parsed<never> => ({
    ok: false,
    errors: [`invalid taint spec "${spec}"${why ? `: ${why}` : ''}`],
  });
  const parts = spec.split(':');
  if (parts.length > 2) return invalid("more than one ':'");

  let key = parts[0]!;
  let value = '';
  let effect: TaintEffect | undefined;
  if (parts.length === 2) {
    const effectErrors = validateTaintEffect(parts[1]!);
    if (effectErrors.length > 0) return invalid(effectErrors[0]);
    effect = parts[1] as TaintEffect;
    const keyValue = parts[0]!.split('=');
    if (keyValue.length > 2) return invalid("more than one '='");
    key = keyValue[0]!;
    if (keyValue.length === 2) {
      value = keyValue[1]!;
      const valueErrors = validateLabelValue(value);
      if (valueErrors.length > 0) return invalid(`value "${value}" ${valueErrors.join('; ')}`);
    }
  }
  const keyErrors = validateLabelKey(key);
  if (keyErrors.length > 0) return invalid(`key "${key}": ${keyErrors.join('; ')}`);
  return { ok: true, value: effect ? { key, value, effect } : { key, value } };
}

/** Parses one taint to add: "key=value:Effect" or "key:Effect" (the effect is required). */
export function parseTaint(spec: string): Parsed<Taint> {
  const missingEffect: Parsed<never> = {
    ok: false,
    errors: [`invalid taint spec "${spec}": missing ":Effect" (NoSchedule, PreferNoSchedule or NoExecute)`],
  };
  // Checked first: "dedicated=gpu" is far more often a forgotten effect than a bad key.
  if (!spec.includes(':')) return missingEffect;
  const parsed = parseTaintParts(spec);
  if (!parsed.ok) return parsed;
  const { key, value, effect } = parsed.value;
  return effect ? { ok: true, value: buildTaint(key, value, effect) } : missingEffect;
}

function describeTaintIdentity(taint: { key: string; effect?: string }): string {
  return taint.effect ? `${taint.key}:${taint.effect}` : taint.key;
}

function parseRemoval(spec: string): Parsed<TaintRemoval> {
  const body = spec.slice(0, -1);
  const colon = body.indexOf(':');
  // The value of a removal spec is ignored: "qux=:NoSchedule-" removes key qux.
  const key = (colon < 0 ? body : body.slice(0, colon)).split('=')[0]!;
  if (colon < 0) return { ok: true, value: { key } };
  const effect = body.slice(colon + 1);
  const errors = validateTaintEffect(effect);
  if (errors.length > 0) return { ok: false, errors: errors.map((e) => `invalid taint spec "${spec}": ${e}`) };
  return { ok: true, value: { key, effect: effect as TaintEffect } };
}

/**
 * kubectl parseTaints: a list of add specs and removal specs ("...-"); two added taints with the same key
 * and effect are refused.
 */
export function parseTaintSpecs(specs: readonly string[]): Parsed<{ add: Taint[]; remove: TaintRemoval[] }> {
  const add: Taint[] = [];
  const remove: TaintRemoval[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const removal = parseRemoval(spec);
      if (removal.ok) remove.push(removal.value);
      else errors.push(...removal.errors);
      continue;
    }
    const taint = parseTaint(spec);
    if (!taint.ok) {
      errors.push(...taint.errors);
      continue;
    }
    const identity = describeTaintIdentity(taint.value);
    if (seen.has(identity)) errors.push(`duplicated taints with the same key and effect: ${identity}`);
    seen.add(identity);
    add.push(taint.value);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { add, remove } };
}

/** kubectl taint's Validate(): one command may not both add and remove the same key (and effect). */
export function findTaintConflicts(add: readonly Taint[], remove: readonly TaintRemoval[]): string[] {
  const conflicts = add
    .filter((t) => remove.some((r) => r.key === t.key && (!r.effect || r.effect === t.effect)))
    .map((t) => `${t.key}=${t.effect}`);
  return conflicts.length > 0
    ? [`can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`]
    : [];
}

/** kubelet --register-with-taints: a comma-separated list; removal specs mean nothing at registration. */
export function parseRegisterWithTaints(flag: string): Parsed<Taint[]> {
  if (flag === '') return { ok: true, value: [] };
  const parsed = parseTaintSpecs(flag.split(','));
  return parsed.ok ? { ok: true, value: parsed.value.add } : parsed;
}

/** Problems with a taint given as an object ({key, value, effect}); empty when valid. */
export function validateTaint(taint: TaintInput): string[] {
  return [
    ...validateLabelKey(taint.key).map((e) => `key "${taint.key}": ${e}`),
    ...(taint.value === undefined ? [] : validateLabelValue(taint.value).map((e) => `value "${taint.value}": ${e}`)),
    ...validateTaintEffect(taint.effect),
  ];
}

/**
 * The node's taints from the config (strings or objects), add-only: a removal spec is refused because a
 * node being registered has nothing to remove. `nameItem(i)` names where item i came from, for messages.
 */
export function parseNodeTaints(
  items: ReadonlyArray<string | TaintInput>,
  nameItem: (index: number) => string,
): { taints: Taint[]; errors: string[] } {
  const taints: Taint[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const where = nameItem(index);
    let taint: Taint;
    if (typeof item === 'string') {
      if (item.endsWith('-')) {
        errors.push(`${where}: "${item}" removes a taint; a node being joined has none to remove, so drop the trailing '-'`);
        return;
      }
      const parsed = parseTaint(item);
      if (!parsed.ok) {
        errors.push(...parsed.errors.map((e) => `${where}: ${e}`));
        return;
      }
      taint = parsed.value;
    } else {
      const problems = validateTaint(item);
      if (problems.length > 0) {
        errors.push(...problems.map((e) => `${where}: invalid taint: ${e}`));
        return;
      }
      taint = buildTaint(item.key, item.value ?? '', item.effect);
    }
    const identity = describeTaintIdentity(taint);
    if (seen.has(identity)) {
      errors.push(`${where}: duplicated taints with the same key and effect: ${identity}`);
      return;
    }
    seen.add(identity);
    taints.push(taint);
  });
  return { taints, errors };
}
