import { BACKUP_DIR, sha256Hex, type BackupRecord, type FileRecord } from '../engine/state.js';
import type { PlannedFile, StepContext } from '../engine/step.js';

/**
 * Files a step owns. A file is in place when its content and mode are exactly what the step renders; only the
 * files that differ are written (atomically, with their mode). A file that existed before kjoin first wrote it
 * is copied under /var/lib/kjoin/backup first, so `kjoin reset` can put it back. A file the component wrote on an
 * earlier run and no longer renders (a proxy drop-in after the proxy was removed) is stale: it is removed, or
 * its original restored.
 */

export async function isFileInPlace(ctx: StepContext, file: PlannedFile): Promise<boolean> {
  const stat = await ctx.ports.fs.stat(file.path);
  if (!stat?.isFile || stat.mode !== file.mode) return false;
  return (await ctx.ports.fs.readTextOrNull(file.path)) === file.content;
}

/** Files the component recorded earlier that it no longer renders and that are still on disk. */
async function listStale(ctx: StepContext, component: string, files: readonly PlannedFile[], keep: readonly string[]): Promise<string[]> {
  const rendered = new Set([...files.map((f) => f.path), ...keep]);
  const stale: string[] = [];
  for (const record of ctx.state.component(component)?.files ?? []) {
    if (!rendered.has(record.path) && (await ctx.ports.fs.exists(record.path))) stale.push(record.path);
  }
  return stale;
}

/** Why the component's files are not in place: "<path> differs" or "<path> is stale". */
export async function listFilesOutOfPlace(ctx: StepContext, component: string, files: readonly PlannedFile[], keep: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) if (!(await isFileInPlace(ctx, file))) out.push(`${file.path} differs`);
  for (const path of await listStale(ctx, component, files, keep)) out.push(`${path} is stale`);
  return out;
}

export interface WriteFilesResult {
  changed: string[];
  removed: string[];
  backups: BackupRecord[];
}

/**
 * Brings the component's files in place: writes those that differ (backing up foreign originals once), removes
 * stale ones (restoring their original when kjoin had replaced one). `keep` names recorded paths that are not
 * rendered files (a downloaded binary) and must never count as stale.
 */
export async function writeComponentFiles(ctx: StepContext, component: string, files: readonly PlannedFile[], keep: readonly string[] = []): Promise<WriteFilesResult> {
  const { fs } = ctx.ports;
  const previous = ctx.state.component(component);
  const owned = new Set(previous?.files.map((f) => f.path) ?? []);
  const backups = [...(previous?.backups ?? [])];
  const changed: string[] = [];
  for (const file of files) {
    if (await isFileInPlace(ctx, file)) continue;
    const existing = await fs.stat(file.path);
    if (existing?.isFile && !owned.has(file.path) && !backups.some((b) => b.path === file.path)) {
      const backup = `${BACKUP_DIR}${file.path}`;
      await fs.writeAtomic(backup, await fs.readBytes(file.path), existing.mode);
      backups.push({ path: file.path, backup, mode: existing.mode });
      ctx.reporter.log(`kept the original ${file.path} as ${backup}`);
    }
    await fs.writeAtomic(file.path, file.content, file.mode);
    changed.push(file.path);
  }
  const removed: string[] = [];
  for (const path of await listStale(ctx, component, files, keep)) {
    const backup = backups.find((b) => b.path === path);
    if (backup) {
      await fs.writeAtomic(path, await fs.readBytes(backup.backup), backup.mode);
      await fs.remove(backup.backup);
      backups.splice(backups.indexOf(backup), 1);
    } else {
      await fs.remove(path);
    }
    ctx.reporter.log(`removed ${path}: no longer part of the configuration${backup ? ' (original restored)' : ''}`);
    removed.push(path);
  }
  return { changed, removed, backups };
}

/** A file holding a secret is recorded without its hash: state.json never carries anything derived from a secret. */
export const SECRET_HASH = 'secret';

export function recordFiles(files: readonly PlannedFile[]): FileRecord[] {
  return files.map((f) => ({ path: f.path, sha256: f.secret ? SECRET_HASH : sha256Hex(f.content), mode: f.mode }));
}
