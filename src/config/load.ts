/**
 * The config loader: file < env < flags, then the schema, then normalisation and cross-field rules. It
 * returns {config, secrets, warnings, errors} and never prints or throws for bad input: commands decide.
 */

import type { FileSystem } from '../io/fs.js';
import { readConfigFile } from './config-file.js';
import { checkCrossFieldRules } from './cross-field.js';
import { formatZodIssues } from './issues.js';
import { mergeOverlays } from './merge.js';
import { normaliseSpec, type LoadFacts } from './normalise.js';
import { CONFIG_OPTIONS } from './options.js';
import { readEnvOverlay, readFlagOverlay } from './overlay.js';
import { API_VERSION, joinConfigurationSchema, KIND } from './schema.js';
import { readSecrets, scrubSecrets } from './secrets.js';
import type { LoadResult } from './types.js';

export { requireCredentials } from './secrets.js';
import { requireCredentials } from './secrets.js';
export type { LoadFacts } from './normalise.js';

export interface LoadInput {
  fs: FileSystem;
  env: Record<string, string | undefined>;
  /** commander options, keyed by OptionSpec.key. */
  flags: Record<string, unknown>;
  facts?: LoadFacts;
  /** Directory a relative --config / KJOIN_CONFIG is resolved against; defaults to process.cwd(). */
  cwd?: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The document to merge onto: the file's mapping, or a bare JoinConfiguration when there is no file. */
function startDocument(file: string | null, document: unknown): { document: Record<string, unknown> } | { error: string } {
  if (file === null) return { document: { apiVersion: API_VERSION, kind: KIND } };
  if (document === null || document === undefined) return { document: {} };
  if (!isPlainObject(document)) {
    return { error: `${file}: the document must be a mapping with apiVersion: ${API_VERSION}, kind: ${KIND} and spec` };
  }
  return { document };
}

export async function loadConfig(input: LoadInput): Promise<LoadResult> {
  const { fs, env, flags, facts } = input;
  const read = await readConfigFile(fs, env, flags, input.cwd ?? process.cwd());
  const errors: string[] = [...read.errors];
  const warnings: string[] = [];
  const missing: string[] = [];
  const envOverlay = readEnvOverlay(env, CONFIG_OPTIONS);
  const flagOverlay = readFlagOverlay(flags, CONFIG_OPTIONS);

  const started = read.errors.length === 0 ? startDocument(read.file, read.document) : null;
  if (started && 'error' in started) errors.push(started.error);
  const document = started && 'document' in started ? started.document : null;

  let config: LoadResult['config'] = null;
  let origins: ReadonlyMap<string, string> = new Map();
  if (document) {
    const merged = mergeOverlays(document, [envOverlay, flagOverlay]);
    origins = merged.origins;
    errors.push(...merged.errors);
    const parsed = joinConfigurationSchema.safeParse(merged.document);
    if (!parsed.success) {
      errors.push(...formatZodIssues(parsed.error.issues, merged.document, origins));
    } else {
      const normalised = normaliseSpec(parsed.data.spec, origins, facts);
      errors.push(...normalised.errors);
      const rules = checkCrossFieldRules(normalised.config, origins);
      missing.push(...rules.missing);
      warnings.push(...rules.warnings);
      config = normalised.config;
    }
  } else {
    errors.push(...envOverlay.errors, ...flagOverlay.errors);
  }

  const secretsRead = await readSecrets(fs, env, config?.controlPlane.tokenFile, origins);
  errors.push(...secretsRead.errors);
  warnings.push(...secretsRead.warnings);
  if (config) missing.push(...requireCredentials(config, secretsRead.secrets));

  return {
    config: errors.length === 0 ? config : null,
    secrets: secretsRead.secrets,
    warnings: scrubSecrets(warnings, secretsRead.sensitive),
    errors: scrubSecrets(errors, secretsRead.sensitive),
    missing: scrubSecrets(missing, secretsRead.sensitive),
    configFile: read.file,
  };
}
