import * as path from 'node:path';
import { assertAbsolute, type FileStat, type FileSystem } from './fs.js';

interface Entry {
  content: Buffer;
  mode: number;
  mtimeMs: number;
  ino: number;
}

/** The device every file of a MemoryFileSystem is on: 08:01, as in /proc/locks "08:01:<inode>". */
export const MEMORY_DEV = (0x08 << 8) | 0x01;

/** In-memory FileSystem for unit tests; records every write so tests can assert on modes and atomicity. */
export class MemoryFileSystem implements FileSystem {
  readonly root = '/';
  readonly files = new Map<string, Entry>();
  readonly dirs = new Set<string>(['/']);
  readonly writes: Array<{ path: string; mode: number }> = [];
  private tick = 1;
  freeBytesValue: number | null = 100 * 1024 ** 3;

  constructor(initial: Record<string, string | { content: string; mode: number }> = {}) {
    for (const [file, value] of Object.entries(initial)) {
      const entry = typeof value === 'string' ? { content: value, mode: 0o644 } : value;
      this.put(file, entry.content, entry.mode);
    }
  }

  /** Seeds a file without recording it as a write. */
  put(file: string, content: string | Uint8Array, mode = 0o644): void {
    assertAbsolute(file);
    this.addDirs(path.posix.dirname(file));
    // A new inode per write, as an atomic write (temp file + rename) gives one on a real file system.
    const tick = this.tick++;
    this.files.set(file, { content: Buffer.from(content), mode, mtimeMs: tick, ino: tick });
  }

  private addDirs(dir: string): void {
    let current = dir;
    while (!this.dirs.has(current)) {
      this.dirs.add(current);
      current = path.posix.dirname(current);
    }
  }

  async readText(file: string): Promise<string> {
    return (await this.readBytes(file)).toString('utf8');
  }

  async readTextOrNull(file: string): Promise<string | null> {
    return this.files.get(file)?.content.toString('utf8') ?? null;
  }

  async readBytes(file: string): Promise<Buffer> {
    const entry = this.files.get(file);
    if (!entry) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
    return Buffer.from(entry.content);
  }

  async exists(file: string): Promise<boolean> {
    return this.files.has(file) || this.dirs.has(file);
  }

  async stat(file: string): Promise<FileStat | null> {
    const entry = this.files.get(file);
    if (entry) {
      return { mode: entry.mode, size: entry.content.length, mtimeMs: entry.mtimeMs, isDirectory: false, isFile: true, dev: MEMORY_DEV, ino: entry.ino };
    }
    if (this.dirs.has(file)) return { mode: 0o755, size: 0, mtimeMs: 0, isDirectory: true, isFile: false, dev: MEMORY_DEV, ino: 0 };
    return null;
  }

  async readdir(dir: string): Promise<string[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p !== prefix) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...names].sort();
  }

  async writeAtomic(file: string, content: string | Uint8Array, mode: number): Promise<void> {
    this.put(file, content, mode);
    this.writes.push({ path: file, mode });
  }

  async append(file: string, content: string, mode: number): Promise<void> {
    const existing = this.files.get(file);
    this.put(file, Buffer.concat([existing?.content ?? Buffer.alloc(0), Buffer.from(content)]), existing?.mode ?? mode);
  }

  async createExclusive(file: string, content: string, mode: number): Promise<boolean> {
    if (this.files.has(file)) return false;
    this.put(file, content, mode);
    return true;
  }

  async mkdir(dir: string, _mode: number): Promise<void> {
    this.addDirs(dir);
  }

  async remove(file: string): Promise<void> {
    this.files.delete(file);
  }

  async removeTree(dir: string): Promise<void> {
    const prefix = `${dir}/`;
    for (const file of [...this.files.keys()]) if (file.startsWith(prefix)) this.files.delete(file);
    for (const d of [...this.dirs]) if (d === dir || d.startsWith(prefix)) this.dirs.delete(d);
  }

  async rename(from: string, to: string): Promise<void> {
    const entry = this.files.get(from);
    if (!entry) throw Object.assign(new Error(`ENOENT: no such file or directory, rename '${from}'`), { code: 'ENOENT' });
    this.files.delete(from);
    this.put(to, entry.content, entry.mode);
    this.writes.push({ path: to, mode: entry.mode });
  }

  async moveInto(from: string, to: string, mode: number): Promise<void> {
    await this.rename(from, to);
    const entry = this.files.get(to)!;
    entry.mode = mode;
  }

  async extractTarGz(archive: string, _destDir: string): Promise<string[]> {
    throw new Error(`internal: MemoryFileSystem cannot extract ${archive}; test archives on a NodeFileSystem temp dir`);
  }

  async freeBytes(_dir: string): Promise<number | null> {
    return this.freeBytesValue;
  }
}
