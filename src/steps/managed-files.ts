import { BACKUP_DIR, sha256Hex, type BackupRecord, type FileRecord } from '../engine/state.js';
import type { PlannedFile, StepContext } from '../engine/step.js';

/**
 * Files a step owns. A file is in place when its content and mode are exactly what the step renders; only the
 * files that differ are written (atomically, with their mode). A file that existed before kjoin first wrote it
 * is copied under /var/lib/kjoin/backup first, so `kjoin reset` can put it back.
 */

export async function isFileInPlace(ctx: StepContext, file: PlannedFile): Promise<boolean> {
  const stat = await ctx.ports.fs.stat(file.path);
  if (!stat?.isFile || stat.mode !== file.mode) return false;
  return (await ctx.ports.fs.readTextOrNull(file.path)) === file.content;
}

/** Paths of the files that are not in place. */
export async function listFilesOutOfPlace(ctx: StepContext, files: readonly PlannedFile[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) if (!(await isFileInPlace(ctx, file))) out.push(file.path);
  return out;
}

export interface WriteFilesResult {
  changed: string[];
  backups: BackupRecord[];
}

/**
 * Writes the files that are out of place. `owned` are the paths kjoin wrote on an earlier run (no backup needed:
 * they are kjoin's own content); `previousBackups` are carried over so a re-run never loses the original.
 */
export async function writeFiles(
  ctx: StepContext,
  files: readonly PlannedFile[],
  previous: { owned: readonly string[]; backups: readonly BackupRecord[] } = { owned: [], backups: [] },
): Promise<WriteFilesResult> {
  const { fs } = ctx.ports;
  const changed: string[] = [];
  const backups = [...previous.backups];
  for (const file of files) {
    if (await isFileInPlace(ctx, file)) continue;
    const existing = await fs.stat(file.path);
    const alreadyBackedUp = backups.some((b) => b.path === file.path);
    if (existing?.isFile && !previous.owned.includes(file.path) && !alreadyBackedUp) {
      const backup = `${BACKUP_DIR}${file.path}`;
      await fs.writeAtomic(backup, await fs.readBytes(file.path), existing.mode);
      backups.push({ path: file.path, backup, mode: existing.mode });
      ctx.reporter.log(`kept the original ${file.path} as ${backup}`);
    }
    await fs.writeAtomic(file.path, file.content, file.mode);
    changed.push(file.path);
  }
  return { changed, backups };
}

export function recordFiles(files: readonly PlannedFile[]): FileRecord[] {
  return files.map((f) => ({ path: f.path, sha256: sha256Hex(f.content), mode: f.mode }));
}

/** The paths a component's state record says kjoin wrote. */
export function ownedPaths(ctx: StepContext, component: string): string[] {
  return ctx.state.component(component)?.files.map((f) => f.path) ?? [];
}
