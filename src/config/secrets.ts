/**
 * Secrets travel apart from the config: the bootstrap token from KJOIN_TOKEN or a 0600 token file, the
 * Scaleway key from SCW_SECRET_KEY. Messages built here name where a secret comes from, never its text.
 */

import { describeError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';
import { nameConfigPath } from './merge.js';
import { parseBootstrapToken, TOKEN_FORMAT_TEXT } from './token.js';
import type { ResolvedConfig, Secrets } from './types.js';

export const TOKEN_ENV = 'KJOIN_TOKEN';
export const SCW_SECRET_KEY_ENV = 'SCW_SECRET_KEY';

/** Group/other permission bits: any of them lets another local user read or replace the token. */
const SHARED_MODE_BITS = 0o077;

export interface SecretsRead {
  secrets: Secrets;
  errors: string[];
  warnings: string[];
  /** Raw secret text seen while reading (even malformed), so the loader can scrub it from every message. */
  sensitive: string[];
}

interface TokenFileRead {
  token?: string;
  errors: string[];
  warnings: string[];
  sensitive: string[];
}

async function readTokenFile(fs: FileSystem, file: string, where: string): Promise<TokenFileRead> {
  const read: TokenFileRead = { errors: [], warnings: [], sensitive: [] };
  const stat = await fs.stat(file);
  // A missing file is a missing credential: requireCredentials reports it, so dry-run still works.
  if (!stat) return read;
  if (!stat.isFile) {
    read.errors.push(`${where}: ${file} is not a regular file`);
    return read;
  }
  if ((stat.mode & SHARED_MODE_BITS) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    read.warnings.push(`${where}: ${file} is accessible to other users (mode ${mode}); run chmod 600 ${file}`);
  }
  let text: string;
  try {
    text = await fs.readText(file);
  } catch (error) {
    read.errors.push(`${where}: cannot read ${file}: ${describeError(error)}`);
    return read;
  }
  read.sensitive.push(text, text.trim());
  const token = text.trim();
  if (token === '') return read;
  const parsed = parseBootstrapToken(token);
  if (!parsed.ok) {
    read.errors.push(`${where}: ${file} does not hold a bootstrap token: expected ${TOKEN_FORMAT_TEXT}`);
    return read;
  }
  read.token = token;
  read.sensitive.push(parsed.value.secret);
  return read;
}

/**
 * Reads the bootstrap token and the Scaleway key. Precedence follows file < env < flags: --token-file beats
 * KJOIN_TOKEN, which beats a token file named in the config file or KJOIN_TOKEN_FILE.
 */
export async function readSecrets(
  fs: FileSystem,
  env: Record<string, string | undefined>,
  tokenFile: string | undefined,
  origins: ReadonlyMap<string, string>,
): Promise<SecretsRead> {
  const result: SecretsRead = { secrets: {}, errors: [], warnings: [], sensitive: [] };
  const envToken = env[TOKEN_ENV] ? env[TOKEN_ENV]!.trim() : '';
  if (env[TOKEN_ENV]) result.sensitive.push(env[TOKEN_ENV]!, envToken);
  const scwKey = env[SCW_SECRET_KEY_ENV]?.trim();
  if (scwKey) {
    result.secrets.scwSecretKey = scwKey;
    result.sensitive.push(env[SCW_SECRET_KEY_ENV]!, scwKey);
  }

  const fileWhere = nameConfigPath('controlPlane.tokenFile', origins);
  const fileWins = tokenFile !== undefined && (envToken === '' || fileWhere.startsWith('--'));
  if (tokenFile !== undefined && envToken !== '') {
    result.warnings.push(
      fileWins
        ? `${TOKEN_ENV}: ignored because ${fileWhere} is set (flags win over the environment)`
        : `${fileWhere}: ignored because ${TOKEN_ENV} is set (the environment wins over the config file)`,
    );
  }

  if (fileWins) {
    const read = await readTokenFile(fs, tokenFile, fileWhere);
    result.errors.push(...read.errors);
    result.warnings.push(...read.warnings);
    result.sensitive.push(...read.sensitive);
    if (read.token) result.secrets.token = read.token;
  } else if (envToken !== '') {
    const parsed = parseBootstrapToken(envToken);
    if (parsed.ok) {
      result.secrets.token = envToken;
      result.sensitive.push(parsed.value.secret);
    } else result.errors.push(`${TOKEN_ENV}: not a bootstrap token: expected ${TOKEN_FORMAT_TEXT}`);
  }
  return result;
}

/**
 * What the chosen provider still lacks to authenticate, one line each. The loader leaves these out of its
 * errors so that commands decide: join refuses to start, join --dry-run and preflight only report them.
 */
export function requireCredentials(config: ResolvedConfig, secrets: Secrets): string[] {
  const problems: string[] = [];
  const { provider, tokenFile } = config.controlPlane;
  if (provider === 'kubeadm' && !secrets.token) {
    problems.push(
      tokenFile
        ? `spec.controlPlane.tokenFile: no bootstrap token could be read from ${tokenFile} (missing or empty); write the token there with mode 0600, or set ${TOKEN_ENV}`
        : `${TOKEN_ENV}: the kubeadm provider needs a bootstrap token: set ${TOKEN_ENV} or --token-file FILE (create one on a control-plane node with kubeadm token create)`,
    );
  }
  if (provider === 'scaleway' && !secrets.scwSecretKey) {
    problems.push(`${SCW_SECRET_KEY_ENV}: the scaleway provider needs a Scaleway secret key: set ${SCW_SECRET_KEY_ENV} (an API key allowed to manage the Kosmos pool)`);
  }
  return problems;
}

/** Replaces any secret text that slipped into a message; a last guard, not the first line of defence. */
export function scrubSecrets(lines: readonly string[], sensitive: readonly string[]): string[] {
  // Short fragments would blank out ordinary words; real secrets are far longer than this.
  const needles = [...new Set(sensitive)].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  return lines.map((line) => needles.reduce((text, needle) => text.split(needle).join('[redacted]'), line));
}
