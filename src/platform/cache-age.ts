/** How old a package manager's metadata is, judged from file modification times through the FileSystem port. */
import type { FileSystem } from '../io/fs.js';

/** Newest modification time among the paths that exist; null when none does (or none has a usable time). */
export async function findNewestMtime(fs: FileSystem, paths: readonly string[]): Promise<number | null> {
  let newest: number | null = null;
  for (const file of paths) {
    const stat = await fs.stat(file);
    if (stat && stat.mtimeMs > 0 && (newest === null || stat.mtimeMs > newest)) newest = stat.mtimeMs;
  }
  return newest;
}

/** "42 minutes", "5 hours", "3 days": for "package lists are 3 days old". */
export function describeAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}
