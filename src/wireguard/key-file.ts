import * as path from 'node:path';
import { KjoinError, isKjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';
import { generatePrivateKey, parseKey, publicKeyFromPrivate, type RandomSource } from './keys.js';

/**
 * The node's WireGuard private key lives where Kilo keeps its own (kg reads /var/lib/kilo/key and only
 * generates a key when none is there), so a Kilo DaemonSet started later adopts the key kjoin registered
 * instead of replacing it and breaking every peer's configuration.
 */
export const KILO_KEY_PATH = '/var/lib/kilo/key';
export const KEY_FILE_MODE = 0o600;
/** Kilo creates its directory 0700; kjoin does the same so the key's directory is not listable either. */
const KEY_DIR_MODE = 0o700;

export interface EnsureKeyOptions {
  /** Replace an existing key with a new one (every peer must learn the new public key afterwards). */
  rotate?: boolean;
  random?: RandomSource;
}

/**
 * What happened to the key file. Holds only public data so it can go into events and logs; the private key
 * is read back with readPrivateKey by the one caller that renders it into a 0600 file.
 */
export interface EnsuredKey {
  publicKey: string;
  created: boolean;
  rotated: boolean;
  /** The mode the existing key had when it was not 0600 (it has been rewritten 0600), else null. */
  repairedMode: number | null;
}

/** The private key from the key file, or null when there is none. Throws on a file that holds no valid key. */
export async function readPrivateKey(fs: FileSystem, file: string = KILO_KEY_PATH): Promise<string | null> {
  const stat = await fs.stat(file);
  if (!stat) return null;
  if (!stat.isFile) {
    throw new KjoinError('config', `${file} exists but is not a regular file`, { hint: `move ${file} aside; kjoin writes the WireGuard private key there` });
  }
  const text = (await fs.readText(file)).trim();
  try {
    parseKey(text, `the WireGuard private key in ${file}`);
  } catch (error) {
    if (!isKjoinError(error)) throw error;
    // The parse error says what is wrong (length, alphabet) without the content; a bad file is config, not usage.
    throw new KjoinError('config', error.message, {
      hint: `move ${file} aside to let kjoin generate a new key, or rerun with key rotation`,
    });
  }
  return text;
}

async function writeKey(fs: FileSystem, file: string, privateKey: string): Promise<void> {
  await fs.mkdir(path.posix.dirname(file), KEY_DIR_MODE);
  // One line with a trailing newline, like `wg genkey > key`; Kilo trims the newline when it reads it.
  await fs.writeAtomic(file, `${privateKey}\n`, KEY_FILE_MODE);
}

/**
 * Makes sure the node has a WireGuard private key at `file`. No-op when a valid key is there with mode 0600;
 * an existing key is never replaced unless `rotate` is set; a key readable by others is rewritten 0600
 * (atomically, same key) and reported through `repairedMode`.
 */
export async function ensurePrivateKey(fs: FileSystem, file: string = KILO_KEY_PATH, options: EnsureKeyOptions = {}): Promise<EnsuredKey> {
  if (options.rotate) {
    const privateKey = generatePrivateKey(options.random);
    const existed = (await fs.stat(file)) !== null;
    await writeKey(fs, file, privateKey);
    return { publicKey: publicKeyFromPrivate(privateKey), created: !existed, rotated: existed, repairedMode: null };
  }

  const existing = await readPrivateKey(fs, file);
  if (existing === null) {
    const privateKey = generatePrivateKey(options.random);
    await writeKey(fs, file, privateKey);
    return { publicKey: publicKeyFromPrivate(privateKey), created: true, rotated: false, repairedMode: null };
  }

  const mode = (await fs.stat(file))?.mode ?? KEY_FILE_MODE;
  const repairedMode = (mode & 0o7777) === KEY_FILE_MODE ? null : mode & 0o7777;
  if (repairedMode !== null) await writeKey(fs, file, existing);
  return { publicKey: publicKeyFromPrivate(existing), created: false, rotated: false, repairedMode };
}
