/**
 * Turns KJOIN_* variables and command-line flags into values at their config paths (from the options
 * table), remembering where each came from so that every later message names the variable or flag the
 * operator actually typed.
 */

import type { OptionSpec } from './options.js';

export interface OverlayValue {
  /** Dot path under `spec`, from OptionSpec.configPath. */
  path: string;
  value: unknown;
  /** "KJOIN_LABELS" or "--label": how messages name this value. */
  source: string;
}

export interface Overlay {
  values: OverlayValue[];
  errors: string[];
}

/** "--label <key=value>" → "--label". */
export function getFlagName(spec: OptionSpec): string {
  return spec.flag.split(/[\s,]/)[0] ?? spec.flag;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseBooleanText(text: string): boolean | null {
  const lowered = text.trim().toLowerCase();
  if (lowered === 'true' || lowered === '1') return true;
  if (lowered === 'false' || lowered === '0') return false;
  return null;
}

function parseNumberText(text: string): number | null {
  const trimmed = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return null;
  return Number(trimmed);
}

type Converted = { ok: true; value: unknown } | { ok: false; error: string };

function convertText(spec: OptionSpec, text: string): Converted {
  switch (spec.kind) {
    case 'string':
      return { ok: true, value: text.trim() };
    case 'list':
      return { ok: true, value: splitList(text) };
    case 'boolean': {
      const value = parseBooleanText(text);
      return value === null ? { ok: false, error: `must be true, false, 1 or 0, got "${text}"` } : { ok: true, value };
    }
    case 'number': {
      const value = parseNumberText(text);
      return value === null ? { ok: false, error: `must be a number, got "${text}"` } : { ok: true, value };
    }
  }
}

/** Reads the table's environment variables; an empty variable counts as unset. Secrets are not config. */
export function readEnvOverlay(env: Record<string, string | undefined>, specs: readonly OptionSpec[]): Overlay {
  const overlay: Overlay = { values: [], errors: [] };
  for (const spec of specs) {
    if (!spec.env || !spec.configPath || spec.secret) continue;
    const text = env[spec.env];
    if (text === undefined || text === '') continue;
    const converted = convertText(spec, text);
    if (converted.ok) overlay.values.push({ path: spec.configPath, value: converted.value, source: spec.env });
    else overlay.errors.push(`${spec.env}: ${converted.error}`);
  }
  return overlay;
}

function convertFlag(spec: OptionSpec, raw: unknown): Converted {
  if (spec.kind === 'list') {
    // Repeatable flags arrive as arrays; each occurrence may itself be comma-separated (--skip-phases a,b).
    const items = Array.isArray(raw) ? raw : [raw];
    return { ok: true, value: items.flatMap((item) => splitList(String(item))) };
  }
  if (spec.kind === 'boolean' && typeof raw === 'boolean') return { ok: true, value: raw };
  if (spec.kind === 'number' && typeof raw === 'number') return { ok: true, value: raw };
  if (typeof raw !== 'string') return { ok: false, error: `expected a single value` };
  return convertText(spec, raw);
}

/** Reads commander's parsed options (keyed by OptionSpec.key); absent flags are undefined. */
export function readFlagOverlay(flags: Record<string, unknown>, specs: readonly OptionSpec[]): Overlay {
  const overlay: Overlay = { values: [], errors: [] };
  for (const spec of specs) {
    if (!spec.flag || !spec.configPath || spec.secret) continue;
    const raw = flags[spec.key];
    if (raw === undefined) continue;
    const converted = convertFlag(spec, raw);
    const source = getFlagName(spec);
    if (converted.ok) overlay.values.push({ path: spec.configPath, value: converted.value, source });
    else overlay.errors.push(`${source}: ${converted.error}`);
  }
  return overlay;
}
