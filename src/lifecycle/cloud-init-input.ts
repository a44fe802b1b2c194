import * as path from 'node:path';
import { DEFAULT_CONFIG_FILE } from '../config/config-file.js';
import { loadConfig } from '../config/load.js';
import { renderConfigYaml } from '../config/render-config.js';
import { SCW_SECRET_KEY_ENV, TOKEN_ENV } from '../config/secrets.js';
import type { ResolvedConfig } from '../config/types.js';
import { KjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';
import type { CloudInitInput, NodeFile } from './cloud-init-userdata.js';

/**
 * Turns `kjoin cloud-init` flags into the userdata's inputs. join.yaml comes from the same loader `kjoin join`
 * uses (flags and KJOIN_* environment, optionally on top of a --config file), so a flag the join would refuse
 * is refused here, before a VM boots with it. Credentials become 0600 files on the node.
 */

export const NODE_TOKEN_FILE = '/etc/kjoin/token';
export const NODE_SCALEWAY_ENV_FILE = '/etc/kjoin/scaleway.env';
export const NODE_KUBECONFIG_FILE = '/etc/kjoin/bootstrap-kubeconfig';

export interface CloudInitOptions {
  binaryUrl?: string;
  binarySha256?: string;
  /** A local file holding the bootstrap token, instead of KJOIN_TOKEN. */
  tokenFileSource?: string;
  /** Where the token goes on the node (the join flag --token-file names a node path here). */
  tokenFile?: string;
  [flag: string]: unknown;
}

export interface CloudInitBuildInput {
  fs: FileSystem;
  env: Record<string, string | undefined>;
  options: CloudInitOptions;
  cwd: string;
  version: string;
}

function usage(message: string, hint: string): KjoinError {
  return new KjoinError('usage', message, { hint });
}

export function validateBinaryUrl(url: string | undefined): string {
  if (!url) throw usage('--binary-url is required', 'pass the https:// URL of the kjoin release binary for the node architecture (kjoin-linux-amd64 or -arm64)');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`--binary-url is not a URL: ${url}`, 'e.g. --binary-url https://github.com/OWNER/kjoin/releases/download/v0.1.0/kjoin-linux-amd64');
  }
  if (parsed.protocol !== 'https:') throw usage(`--binary-url must be an https:// URL (got ${parsed.protocol}//)`, 'the node downloads the binary with TLS verified; serve it over https');
  if (parsed.username || parsed.password) throw usage('--binary-url must not hold credentials', 'the URL ends up in the userdata; use a public or pre-signed URL');
  return url;
}

export function validateSha256(hex: string | undefined): string {
  if (!hex) throw usage('--binary-sha256 is required', 'pass the SHA-256 of the binary: sha256sum kjoin-linux-amd64');
  const value = hex.trim().replace(/^sha256:/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw usage('--binary-sha256 must be 64 hexadecimal characters', 'copy it from sha256sum kjoin-linux-amd64 (or the release SHA256SUMS)');
  return value.toLowerCase();
}

function requireNodePath(file: string, flag: string): string {
  if (!file.startsWith('/')) throw usage(`${flag} names a path on the node and must be absolute (got ${file})`, `e.g. ${flag} ${NODE_TOKEN_FILE}`);
  return file;
}

/** The file system as seen by the loader: the default /etc/kjoin/join.yaml of the machine running this command is not the node's. */
function hideDefaultConfig(fs: FileSystem): FileSystem {
  return new Proxy(fs, {
    get(target, property, receiver) {
      if (property === 'stat') return async (file: string) => (file === DEFAULT_CONFIG_FILE ? null : target.stat(file));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function readTokenSource(fs: FileSystem, file: string, cwd: string): Promise<string> {
  const text = await fs.readTextOrNull(path.posix.resolve(cwd, file));
  if (text === null) throw usage(`--token-file-source: cannot read ${file}`, 'name a readable file holding the bootstrap token, or set KJOIN_TOKEN');
  return text.trim();
}

function summarise(config: ResolvedConfig): string {
  const cp = config.controlPlane;
  if (cp.provider === 'scaleway') return `joins Kosmos pool ${cp.scaleway.poolId} (${cp.scaleway.region}) at first boot`;
  if (cp.provider === 'file') return 'joins the cluster of its bootstrap kubeconfig at first boot';
  return `joins ${cp.server} at first boot`;
}

export async function buildCloudInitInput(input: CloudInitBuildInput): Promise<{ userdata: CloudInitInput; warnings: string[] }> {
  const { fs, env, options, cwd } = input;
  const binaryUrl = validateBinaryUrl(options.binaryUrl);
  const binarySha256 = validateSha256(options.binarySha256);
  const nodeTokenFile = requireNodePath(options.tokenFile ?? NODE_TOKEN_FILE, '--token-file');
  const token = options.tokenFileSource ? await readTokenSource(fs, options.tokenFileSource, cwd) : env[TOKEN_ENV];

  const { binaryUrl: _u, binarySha256: _s, tokenFileSource: _t, tokenFile: _f, ...flags } = options;
  const loaderEnv = { ...env, [TOKEN_ENV]: token, KJOIN_TOKEN_FILE: undefined };
  const named = typeof flags.config === 'string' || Boolean(env.KJOIN_CONFIG);
  const result = await loadConfig({ fs: named ? fs : hideDefaultConfig(fs), env: loaderEnv, flags, cwd });
  if (result.errors.length > 0 || !result.config) {
    throw new KjoinError('config', `the join configuration has ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}:`, {
      details: result.errors,
      hint: 'kjoin cloud-init takes the flags and KJOIN_* variables of kjoin join; kjoin join --help lists them',
    });
  }
  const config = result.config;
  if (result.missing.length > 0 && !config.skipPhases.includes('register')) {
    throw new KjoinError('config', 'the node could not join with this userdata; it still needs:', {
      details: result.missing,
      hint: `secrets come from ${TOKEN_ENV} (or --token-file-source FILE) and ${SCW_SECRET_KEY_ENV} in this command's environment`,
    });
  }

  const secretFiles: NodeFile[] = [];
  let envFile: string | undefined;
  const controlPlane = { ...config.controlPlane };
  if (controlPlane.provider === 'kubeadm' && result.secrets.token) {
    secretFiles.push({ path: nodeTokenFile, permissions: '0600', content: `${result.secrets.token}\n`, secret: true });
    controlPlane.tokenFile = nodeTokenFile;
  }
  if (controlPlane.provider === 'scaleway' && result.secrets.scwSecretKey) {
    // Sourced by sh on the node: only a key's own characters may pass.
    if (!/^[A-Za-z0-9-]+$/.test(result.secrets.scwSecretKey)) throw usage(`${SCW_SECRET_KEY_ENV} is not a Scaleway secret key`, 'a Scaleway secret key is a UUID (letters, digits and dashes)');
    secretFiles.push({ path: NODE_SCALEWAY_ENV_FILE, permissions: '0600', content: `${SCW_SECRET_KEY_ENV}=${result.secrets.scwSecretKey}\n`, secret: true });
    envFile = NODE_SCALEWAY_ENV_FILE;
  }
  if (controlPlane.provider === 'file' && controlPlane.kubeconfigFile) {
    const kubeconfig = await fs.readTextOrNull(controlPlane.kubeconfigFile);
    if (kubeconfig === null) throw usage(`--kubeconfig: cannot read ${controlPlane.kubeconfigFile}`, 'the bootstrap kubeconfig is read here and written to the node (0600)');
    secretFiles.push({ path: NODE_KUBECONFIG_FILE, permissions: '0600', content: kubeconfig, secret: true });
    controlPlane.kubeconfigFile = NODE_KUBECONFIG_FILE;
  }

  const joinYaml = renderConfigYaml({ ...config, controlPlane }, result.secrets);
  return {
    userdata: { joinYaml, secretFiles, binaryUrl, binarySha256, envFile, summary: summarise(config), version: input.version },
    warnings: result.warnings,
  };
}
