import { parse, stringify } from 'yaml';
import { SCW_SECRET_KEY_ENV, TOKEN_ENV } from '../config/secrets.js';
import type { FileSystem } from '../io/fs.js';
import { isSecretKey, Redactor, REDACTED } from '../progress/redact.js';
import { SCALEWAY_CACHE_PATH } from '../providers/scaleway-cache.js';
import { PATHS } from '../render/paths.js';
import { KILO_KEY_PATH } from '../wireguard/key-file.js';
import { NODE_KUBECONFIG_FILE, NODE_SCALEWAY_ENV_FILE, NODE_TOKEN_FILE } from './cloud-init-input.js';

/**
 * What keeps secrets out of `kjoin debug`. Three guards, because any one alone leaks:
 * - files that hold credentials are never read into the bundle (SECRET_PATHS, isSecretPath);
 * - the secrets inside them are read only to register them with a Redactor, which then scrubs every text
 *   that does go in (a token echoed in the journal, a key pasted into a config comment);
 * - the config file is re-serialised without any field whose name says it is a secret.
 */

/** Files that hold a credential: their content never enters the bundle. */
export const SECRET_PATHS: readonly string[] = [
  PATHS.bootstrapKubeconfig,
  PATHS.kubeletKubeconfig,
  KILO_KEY_PATH,
  SCALEWAY_CACHE_PATH,
  // What `kjoin cloud-init` and the Vagrantfile put on a node.
  NODE_TOKEN_FILE,
  NODE_SCALEWAY_ENV_FILE,
  NODE_KUBECONFIG_FILE,
];

/** Credential files by location or shape: WireGuard configs, kubelet client certificates, private keys. */
export function isSecretPath(file: string, extra: readonly string[] = []): boolean {
  if (SECRET_PATHS.includes(file) || extra.includes(file)) return true;
  return (
    file.startsWith('/etc/wireguard/') ||
    file.startsWith('/var/lib/kubelet/pki/') ||
    (file.startsWith('/etc/kubernetes/pki/') && !file.endsWith('/ca.crt')) ||
    /\.(key|pem)$/.test(file) ||
    /(^|\/)[^/]*(secret|token)[^/]*$/i.test(file)
  );
}

/** Every string under a key that names a credential, at any depth (kubeconfig token, client-key-data...). */
export function collectSecretValues(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) collectSecretValues(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (typeof inner === 'string' && (isSecretKey(key) || /key-data$/i.test(key))) into.push(inner);
      else collectSecretValues(inner, into);
    }
  }
  return into;
}

function parseLoosely(text: string): unknown {
  try {
    return parse(text) as unknown; // JSON is YAML too
  } catch {
    return null;
  }
}

/**
 * A Redactor knowing every secret this host holds: the environment's, the token file's, and the values inside
 * the credential files. Unreadable files (a non-root run) simply add nothing.
 */
export async function createHostRedactor(fs: FileSystem, env: Record<string, string | undefined>, tokenFiles: readonly string[]): Promise<Redactor> {
  const redactor = new Redactor();
  redactor.addSecret(env[TOKEN_ENV]);
  redactor.addSecret(env[SCW_SECRET_KEY_ENV]);
  for (const file of [...new Set([...SECRET_PATHS, ...tokenFiles])]) {
    const text = await fs.readTextOrNull(file);
    if (text === null) continue;
    // The whole text covers one-value files (token, WireGuard key); whole YAML lines are not registered, since
    // "apiVersion: v1" would then shred every other file.
    redactor.addSecret(text);
    for (const line of text.split('\n')) redactor.addSecret(/^[A-Z_][A-Z0-9_]*=(.+)$/.exec(line.trim())?.[1]);
    for (const secret of collectSecretValues(parseLoosely(text))) redactor.addSecret(secret);
  }
  return redactor;
}

function dropSecretFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropSecretFields);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretKey(key) || /key-data$/i.test(key)) out[key] = REDACTED;
    else out[key] = dropSecretFields(inner);
  }
  return out;
}

/**
 * The config file as it can be shared: parsed, secret-named fields replaced, re-serialised (which also drops
 * comments, where a pasted token might hide), with every value redacted. Unparseable text keeps only its redacted lines
 * that do not look like a secret assignment, so the reader still sees what was wrong with it.
 */
export function sanitiseConfigText(text: string, redactor: Redactor): string {
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    const lines = text.split('\n').filter((line) => !/(token|secret|password|key)\w*\s*[:=]/i.test(line));
    return `# the file is not valid YAML; lines naming a secret were removed\n${redactor.redact(lines.join('\n'))}`;
  }
  // Values are redacted before serialising, so "[REDACTED]" comes out quoted (not as a YAML list).
  return stringify(redactor.redactValue(dropSecretFields(document) ?? null), { lineWidth: 0 });
}

/** The token file a config names (spec.controlPlane.tokenFile), so its content is known to the redactor. */
export function readTokenFilePath(configText: string | null): string | null {
  if (configText === null) return null;
  const document = parseLoosely(configText) as { spec?: { controlPlane?: { tokenFile?: unknown } } } | null;
  const file = document?.spec?.controlPlane?.tokenFile;
  return typeof file === 'string' && file.startsWith('/') ? file : null;
}
