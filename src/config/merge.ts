/**
 * Precedence: config file < environment < flags. Scalars and lists are replaced by the stronger source;
 * labels merge key by key (a later source wins per key), because "add this label" is what --label means.
 */

import type { Overlay } from './overlay.js';

const LABELS_PATH = 'node.labels';

export interface MergedDocument {
  document: Record<string, unknown>;
  /** Config path under spec → the env var or flag that set it (labels: "node.labels.<key>"). */
  origins: Map<string, string>;
  errors: string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property write, so a key such as "__proto__" is data rather than a prototype change. */
function defineValue(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The object at `segments` under root, created where missing; null when something that is not a mapping
 * is in the way (the schema then reports the file's mistake, which is the real problem).
 */
function ensureObjectAt(root: Record<string, unknown>, segments: string[]): Record<string, unknown> | null {
  let current = root;
  for (const segment of segments) {
    const next = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (next === undefined || next === null) {
      const created: Record<string, unknown> = {};
      defineValue(current, segment, created);
      current = created;
    } else if (isPlainObject(next)) {
      current = next;
    } else {
      return null;
    }
  }
  return current;
}

function mergeLabels(spec: Record<string, unknown>, items: string[], source: string, merged: MergedDocument): void {
  const labels = ensureObjectAt(spec, LABELS_PATH.split('.'));
  if (!labels) return;
  for (const item of items) {
    const at = item.indexOf('=');
    if (at < 0) {
      merged.errors.push(`${source}: "${item}" is not key=value`);
      continue;
    }
    const key = item.slice(0, at);
    defineValue(labels, key, item.slice(at + 1));
    merged.origins.set(`${LABELS_PATH}.${key}`, source);
  }
}

/** Applies the overlays in order (weakest first) onto the file's document. */
export function mergeOverlays(document: Record<string, unknown>, overlays: readonly Overlay[]): MergedDocument {
  const merged: MergedDocument = { document, origins: new Map(), errors: [] };
  const spec = ensureObjectAt(document, ['spec']);
  for (const overlay of overlays) {
    merged.errors.push(...overlay.errors);
    if (!spec) continue;
    for (const { path, value, source } of overlay.values) {
      if (path === LABELS_PATH) {
        mergeLabels(spec, value as string[], source, merged);
        continue;
      }
      const segments = path.split('.');
      const parent = ensureObjectAt(spec, segments.slice(0, -1));
      if (!parent) continue;
      defineValue(parent, segments.at(-1)!, value);
      merged.origins.set(path, source);
    }
  }
  return merged;
}

/** How messages name a config path: the env var or flag that set it, else "spec.<path>". */
export function nameConfigPath(path: string, origins: ReadonlyMap<string, string>): string {
  let best: string | undefined;
  let bestLength = -1;
  for (const [prefix, source] of origins) {
    if ((path === prefix || path.startsWith(`${prefix}.`)) && prefix.length > bestLength) {
      best = source;
      bestLength = prefix.length;
    }
  }
  return best ?? `spec.${path}`;
}
