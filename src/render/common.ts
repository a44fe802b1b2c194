import { KjoinError } from '../errors.js';

/** First line of every file kjoin writes whose format allows comments. */
export const MANAGED_BY = 'Managed by kjoin: local edits are replaced on the next kjoin run.';

/** The managed-by header as a comment block for formats using `#` comments. */
export function renderHashHeader(...extra: string[]): string {
  return [MANAGED_BY, ...extra].map((line) => (line === '' ? '#' : `# ${line}`)).join('\n') + '\n';
}

/** An impossible renderer input: exit code 2, one line, a hint; never the offending secret. */
export function configError(message: string, hint: string): KjoinError {
  return new KjoinError('config', message, { hint });
}

type Plain = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Plain {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A copy with every map's keys sorted, so YAML output does not depend on input insertion order. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isPlainObject(value)) return value;
  const sorted: Plain = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeysDeep(value[key]);
  return sorted;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deep merge of plain objects: `top` wins; arrays and scalars are replaced, not concatenated (a provider's
 * list means "this list"). Keys that could reach Object.prototype are refused, since overrides come from a
 * remote control plane.
 */
export function mergeDeep(base: Plain, top: Plain, path = ''): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw configError(`kubelet configuration key ${path}${key} is not allowed`, 'remove it from the provider-given kubelet configuration');
    }
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value, `${path}${key}.`) : value;
  }
  return out;
}
