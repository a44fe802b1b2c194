import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';

/**
 * The debug bundle as a .tar.gz built in memory: the caller writes it once with fs.writeAtomic (0600), so no
 * half-written or world-readable copy of the host's diagnostics ever sits on disk, and unit tests build it
 * on a MemoryFileSystem.
 */

export interface ArchiveEntry {
  /** Relative path inside the archive, "/"-separated. */
  name: string;
  content: string | Uint8Array;
}

const BLOCK = 512;

function padToBlock(length: number): Buffer {
  const rest = length % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

function requireRelativeName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').includes('..')) throw new Error(`internal: archive entry name must be relative: ${name}`);
}

/** One regular file: its header (with a PAX header first when the path is too long for ustar), body, padding. */
function encodeEntry(entry: ArchiveEntry, mtime: Date): Buffer[] {
  requireRelativeName(entry.name);
  const body = Buffer.from(entry.content);
  const data = { path: entry.name, mode: 0o600, uid: 0, gid: 0, uname: 'root', gname: 'root', size: body.length, mtime, type: 'File' as const };
  const header = new Header(data);
  const needsPax = header.encode();
  const blocks: Buffer[] = [];
  if (needsPax) blocks.push(new Pax(data).encode());
  blocks.push(header.block!, body, padToBlock(body.length));
  return blocks;
}

/** A gzip-compressed ustar archive of `entries`, every file 0600 root:root with the given mtime. */
export function createTarGz(entries: readonly ArchiveEntry[], mtime: Date): Buffer {
  const blocks = entries.flatMap((entry) => encodeEntry(entry, mtime));
  blocks.push(Buffer.alloc(BLOCK * 2)); // end of archive: two zero blocks
  return gzipSync(Buffer.concat(blocks));
}
