/**
 * The effective configuration as JoinConfiguration YAML, for `join --dry-run`. Only fields the schema
 * knows are printed (walked from the zod shapes, so a value attached at runtime can never ride along),
 * URL passwords (proxy, mirror) are masked, and any known secret text is replaced as a last guard —
 * in the values, before YAML quoting, so the output stays valid YAML.
 */

import { stringify } from 'yaml';
import { z } from 'zod';
import { API_VERSION, KIND, specSchema } from './schema.js';
import { scrubSecrets } from './secrets.js';
import type { ResolvedConfig, Secrets } from './types.js';

const MASK = '***';

function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current;
}

/** "http://user:pass@proxy:3128" → "http://user:***@proxy:3128"; other text unchanged. */
export function maskUrlPassword(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  try {
    const url = new URL(text);
    if (!url.password) return text;
    url.password = MASK;
    return url.toString();
  } catch {
    return text;
  }
}

type CleanText = (text: string) => string;

/** Plain data only: strings cleaned, arrays and mappings copied, functions and symbols dropped. */
function copyData(value: unknown, clean: CleanText): unknown {
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => copyData(item, clean));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [clean(k), copyData(v, clean)]));
  }
  return undefined;
}

function pickBySchema(value: unknown, schema: z.ZodType, clean: CleanText): unknown {
  const inner = unwrapSchema(schema);
  if (!(inner instanceof z.ZodObject) || typeof value !== 'object' || value === null) return copyData(value, clean);
  const picked: Record<string, unknown> = {};
  for (const [key, fieldSchema] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) picked[key] = pickBySchema(field, fieldSchema, clean);
  }
  return picked;
}

export function renderConfigYaml(config: ResolvedConfig, secrets: Secrets = {}): string {
  const sensitive = [secrets.token, secrets.token?.split('.')[1], secrets.scwSecretKey].filter(
    (s): s is string => typeof s === 'string',
  );
  const clean: CleanText = (text) => scrubSecrets([maskUrlPassword(text)], sensitive)[0]!;
  const document = { apiVersion: API_VERSION, kind: KIND, spec: pickBySchema(config, specSchema, clean) };
  return stringify(document, { lineWidth: 0 });
}
