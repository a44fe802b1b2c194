import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface FileStat {
  mode: number;
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
  isFile: boolean;
  /** st_dev and st_ino: which file this is, as /proc/locks names the files locks are held on. */
  dev: number;
  ino: number;
}

/**
 * The file-system port. Every path is an absolute host path ("/etc/os-release"); implementations resolve it
 * under their host root, so `--host-root DIR` and tests see the same API as a real host.
 */
export interface FileSystem {
  readonly root: string;
  readText(file: string): Promise<string>;
  /** The file's text, or null when it does not exist or cannot be read. */
  readTextOrNull(file: string): Promise<string | null>;
  readBytes(file: string): Promise<Buffer>;
  exists(file: string): Promise<boolean>;
  stat(file: string): Promise<FileStat | null>;
  readdir(dir: string): Promise<string[]>;
  /** Writes via a temp file in the same directory + fsync + rename; the mode is set before the rename. */
  writeAtomic(file: string, content: string | Uint8Array, mode: number): Promise<void>;
  /** Appends a line-oriented record; creates the file with `mode` if missing. */
  append(file: string, content: string, mode: number): Promise<void>;
  /** Creates the file only if it does not exist (O_EXCL); false when it already exists. For locks. */
  createExclusive(file: string, content: string, mode: number): Promise<boolean>;
  mkdir(dir: string, mode: number): Promise<void>;
  remove(file: string): Promise<void>;
  /** Removes a directory tree that kjoin itself created (staging directories). */
  removeTree(dir: string): Promise<void>;
  /** Atomic within one file system: the way a staged file replaces the one in place. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Moves a verified file into place with `mode`: a rename when both are on one file system, else a copy to a
   * temp file beside the target, then a rename, so the target is never half-written either way.
   */
  moveInto(from: string, to: string, mode: number): Promise<void>;
  /**
   * Extracts a .tar.gz into `destDir` (which must not exist yet), refusing absolute paths, `..` and links that
   * point outside; returns the regular files extracted, as paths relative to destDir.
   */
  extractTarGz(archive: string, destDir: string): Promise<string[]>;
  /** Free bytes on the file system holding `dir` (or its nearest existing parent). */
  freeBytes(dir: string): Promise<number | null>;
}

export function assertAbsolute(file: string): void {
  if (!path.posix.isAbsolute(file)) throw new Error(`internal: host path must be absolute: ${file}`);
}

/** The real file system, optionally rooted at a directory holding a host's files. */
export class NodeFileSystem implements FileSystem {
  constructor(readonly root: string = '/') {}

  resolve(file: string): string {
    assertAbsolute(file);
    return this.root === '/' ? file : path.join(this.root, file);
  }

  async readText(file: string): Promise<string> {
    return fsp.readFile(this.resolve(file), 'utf8');
  }

  async readTextOrNull(file: string): Promise<string | null> {
    try {
      return await this.readText(file);
    } catch {
      return null;
    }
  }

  async readBytes(file: string): Promise<Buffer> {
    return fsp.readFile(this.resolve(file));
  }

  async exists(file: string): Promise<boolean> {
    try {
      await fsp.access(this.resolve(file), constants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async stat(file: string): Promise<FileStat | null> {
    try {
      const s = await fsp.stat(this.resolve(file));
      return {
        mode: s.mode & 0o7777,
        size: s.size,
        mtimeMs: s.mtimeMs,
        isDirectory: s.isDirectory(),
        isFile: s.isFile(),
        dev: s.dev,
        ino: s.ino,
      };
    } catch {
      return null;
    }
  }

  async readdir(dir: string): Promise<string[]> {
    try {
      return (await fsp.readdir(this.resolve(dir))).sort();
    } catch {
      return [];
    }
  }

  async writeAtomic(file: string, content: string | Uint8Array, mode: number): Promise<void> {
    const target = this.resolve(file);
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.kjoin-${randomBytes(6).toString('hex')}`);
    // Created with the final mode from the start, so secrets are never briefly world-readable.
    const handle = await fsp.open(temp, 'wx', mode);
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await fsp.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await fsp.rename(temp, target);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
  }

  async append(file: string, content: string, mode: number): Promise<void> {
    const target = this.resolve(file);
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await fsp.appendFile(target, content, { mode });
  }

  async createExclusive(file: string, content: string, mode: number): Promise<boolean> {
    const target = this.resolve(file);
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    try {
      await fsp.writeFile(target, content, { flag: 'wx', mode });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async mkdir(dir: string, mode: number): Promise<void> {
    await fsp.mkdir(this.resolve(dir), { recursive: true, mode });
  }

  async remove(file: string): Promise<void> {
    await fsp.rm(this.resolve(file), { force: true });
  }

  async removeTree(dir: string): Promise<void> {
    await fsp.rm(this.resolve(dir), { recursive: true, force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await fsp.rename(this.resolve(from), this.resolve(to));
  }

  async moveInto(from: string, to: string, mode: number): Promise<void> {
    const source = this.resolve(from);
    const target = this.resolve(to);
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await fsp.chmod(source, mode);
    try {
      await fsp.rename(source, target);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    }
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.kjoin-${randomBytes(6).toString('hex')}`);
    try {
      await fsp.copyFile(source, temp);
      await fsp.chmod(temp, mode);
      await fsp.rename(temp, target);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
    await fsp.rm(source, { force: true });
  }

  async extractTarGz(archive: string, destDir: string): Promise<string[]> {
    const cwd = this.resolve(destDir);
    await fsp.mkdir(cwd, { recursive: false, mode: 0o700 });
    const files: string[] = [];
    // node-tar strips absolute paths and refuses `..` unless preservePaths is set; strict turns warnings into errors.
    const { extract: extractTar } = await import('tar'); // loaded only by the step that unpacks
    await extractTar({
      file: this.resolve(archive),
      cwd,
      strict: true,
      preservePaths: false,
      noMtime: true,
      filter: (entryPath, entry) => {
        const type = 'type' in entry ? entry.type : 'File';
        if (type === 'File' || type === 'OldFile') files.push(path.posix.normalize(entryPath).replace(/^\.\//, ''));
        return type === 'File' || type === 'OldFile' || type === 'Directory';
      },
    });
    return files.sort();
  }

  async freeBytes(dir: string): Promise<number | null> {
    let current = this.resolve(dir);
    for (;;) {
      try {
        const s = await fsp.statfs(current);
        return Number(s.bavail) * Number(s.bsize);
      } catch {
        const parent = path.dirname(current);
        if (parent === current) return null;
        current = parent;
      }
    }
  }
}
