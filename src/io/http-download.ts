import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { FileSystem } from './fs.js';
import type { DownloadProgress } from './http.js';

/**
 * File handling of a download, apart from the transport: a temp file beside the destination (same file
 * system, so the final rename is atomic), written and hashed in one pass, renamed into place only after
 * the checksum matched. The temp name `.<name>.kjoin-<random>` is the one fs.writeAtomic uses, so a
 * SIGKILL leaves at most such a file, never a partial file at the destination.
 */

/** Streaming writers need a real path: NodeFileSystem provides it under its host root. */
export interface HostPathResolver {
  resolve(file: string): string;
}

export function makeTempPrefix(dest: string): string {
  return `.${path.posix.basename(dest)}.kjoin-`;
}

export function makeTempPath(dest: string): string {
  return path.posix.join(path.posix.dirname(dest), `${makeTempPrefix(dest)}${randomBytes(6).toString('hex')}`);
}

/** Removes temp files an earlier, killed run left for the same destination. */
export async function removeStaleTemps(fs: FileSystem, dest: string): Promise<void> {
  const dir = path.posix.dirname(dest);
  const prefix = makeTempPrefix(dest);
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(prefix)) await fs.remove(path.posix.join(dir, name));
  }
}

/** Reports progress that never goes backwards, even when a retried attempt starts again from byte 0. */
export class MonotonicProgress {
  private reported = -1;

  constructor(private readonly onProgress?: (progress: DownloadProgress) => void) {}

  update(bytesDone: number, bytesTotal: number | null): void {
    if (!this.onProgress || bytesDone <= this.reported) return;
    this.reported = bytesDone;
    this.onProgress({ bytesDone, bytesTotal });
  }
}

export interface WrittenTemp {
  sha256: string;
  bytes: number;
}

/**
 * Writes `chunks` to a new file at `tempPath` (real path) created with `mode`, hashing as it goes, then
 * fsyncs it. On any error the temp file is removed and the error rethrown.
 */
export async function writeChunksToTemp(
  chunks: AsyncIterable<Buffer>,
  tempPath: string,
  mode: number,
  onBytes: (bytesDone: number) => void,
): Promise<WrittenTemp> {
  const handle = await fsp.open(tempPath, 'wx', mode);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      await handle.write(chunk);
      bytes += chunk.length;
      onBytes(bytes);
    }
    // open() applied the umask; the final mode is set before the file becomes visible at dest.
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tempPath, { force: true });
    throw error;
  }
  await handle.close();
  return { sha256: hash.digest('hex'), bytes };
}

/** Atomically replaces `targetPath` with the verified temp file (both real paths, same directory). */
export async function renameIntoPlace(tempPath: string, targetPath: string): Promise<void> {
  try {
    await fsp.rename(tempPath, targetPath);
  } catch (error) {
    await fsp.rm(tempPath, { force: true });
    throw error;
  }
}

export async function removeTemp(tempPath: string): Promise<void> {
  await fsp.rm(tempPath, { force: true });
}
