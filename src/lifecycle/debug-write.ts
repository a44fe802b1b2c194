import * as path from 'node:path';
import { STATE_DIR } from '../engine/state.js';
import { describeError, KjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';
import { createTarGz } from './debug-archive.js';
import type { DebugBundle } from './debug-collect.js';

/**
 * Where the bundle goes and how it is written: one atomic 0600 write, by default under /var/lib/kjoin (root
 * only), never /tmp, since even a redacted bundle describes the host in detail.
 */

export const BUNDLE_MODE = 0o600;

/** 2026-11-22T10:00:00.123Z → 20261122T100000Z: sortable, and safe in a file name. */
export function formatBundleStamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export function defaultBundlePath(now: Date): string {
  return `${STATE_DIR}/debug-${formatBundleStamp(now)}.tar.gz`;
}

/** Writes the bundle (entries under one top directory named after the file) and returns its path. */
export async function writeDebugBundle(fs: FileSystem, bundle: DebugBundle, file: string, now: Date): Promise<string> {
  const top = path.posix.basename(file).replace(/\.tar\.gz$|\.tgz$/, '') || 'kjoin-debug';
  const archive = createTarGz(bundle.entries.map((entry) => ({ ...entry, name: `${top}/${entry.name}` })), now);
  try {
    if (path.posix.dirname(file) === STATE_DIR) await fs.mkdir(STATE_DIR, 0o700);
    await fs.writeAtomic(file, archive, BUNDLE_MODE);
  } catch (error) {
    throw new KjoinError('step-failed', `cannot write the debug bundle ${file}: ${describeError(error)}`, {
      hint: 'run kjoin debug as root (state, logs and the journal are root-only), or pass --output-file in a directory you can write',
    });
  }
  return file;
}
