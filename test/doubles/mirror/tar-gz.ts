import { gzipSync } from 'node:zlib';

/**
 * A minimal POSIX ustar writer (plus gzip) for the mirror's fake release tarballs: regular files and directories
 * with explicit modes, nothing else. Written here rather than taken from npm because the format needed is a few
 * fixed-width header fields, and the output is checked by unpacking it with the real `tar` CLI in the tests.
 */

export interface TarEntry {
  /** Path inside the archive, e.g. "./bridge"; directories end with "/". */
  name: string;
  mode: number;
  /** File content; absent for directories. */
  body?: Buffer;
}

const BLOCK = 512;
/** A fixed timestamp keeps every build byte-identical, so a tarball's sha256 is stable across runs. */
const MTIME = 1_700_000_000;

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar: ${JSON.stringify(value)} does not fit in ${length} bytes`);
  bytes.copy(header, offset);
}

/** Numeric fields are zero-padded octal followed by a NUL, as GNU and BSD tar expect. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  writeString(header, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function buildHeader(entry: TarEntry): Buffer {
  const header = Buffer.alloc(BLOCK);
  const isDir = entry.body === undefined;
  let name = entry.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    if (cut <= 0) throw new Error(`tar: name ${JSON.stringify(name)} is too long`);
    [prefix, name] = [name.slice(0, cut), name.slice(cut + 1)];
  }
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, isDir ? 0 : (entry.body as Buffer).length);
  writeOctal(header, 136, 12, MTIME);
  header.fill(0x20, 148, 156); // the checksum is computed with its own field read as spaces
  header[156] = (isDir ? '5' : '0').charCodeAt(0);
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  writeString(header, 265, 32, 'root');
  writeString(header, 297, 32, 'root');
  writeString(header, 345, 155, prefix);
  const sum = header.reduce((total, byte) => total + byte, 0);
  writeString(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** The uncompressed archive: header + padded body per entry, then two zero blocks. */
export function buildTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(buildHeader(entry));
    if (entry.body !== undefined && entry.body.length > 0) {
      parts.push(entry.body, Buffer.alloc((BLOCK - (entry.body.length % BLOCK)) % BLOCK));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export function buildTarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(buildTar(entries), { level: 9 });
}
