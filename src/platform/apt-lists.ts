/** Freshness of apt's package lists, so a re-run (or a VM whose cloud-init just ran apt) skips apt-get update. */
import type { FileSystem } from '../io/fs.js';
import { findNewestMtime } from './cache-age.js';

export const APT_LISTS_DIR = '/var/lib/apt/lists';

/**
 * Written on every successful update by Ubuntu's update-notifier hook. pkgcache.bin is deliberately not a
 * marker: apt rebuilds it after any dpkg change, so it looks fresh on an image whose lists are months old,
 * and installing from stale lists fails with 404s for superseded versions.
 */
const UPDATE_STAMP = '/var/lib/apt/periodic/update-success-stamp';

/** Package indexes as apt stores them: plain or compressed ("..._main_binary-amd64_Packages.lz4"). */
const PACKAGES_INDEX = /_Packages(?:\.(?:lz4|gz|xz|bz2|zst))?$/;

/**
 * Age of the package lists in milliseconds, or null when there is no Packages index at all (update never
 * ran, or the image builder emptied /var/lib/apt/lists), which always means an update is needed.
 * apt stamps list files with the mirror's Last-Modified time, so the lists directory's own mtime (changed
 * when an update renames files in) and the update stamp count too; the newest wins.
 */
export async function measureAptListsAge(fs: FileSystem, nowMs: number): Promise<number | null> {
  const indexes = (await fs.readdir(APT_LISTS_DIR)).filter((name) => PACKAGES_INDEX.test(name));
  if (indexes.length === 0) return null;
  const newest = await findNewestMtime(fs, [
    UPDATE_STAMP,
    APT_LISTS_DIR,
    `${APT_LISTS_DIR}/partial`,
    ...indexes.map((name) => `${APT_LISTS_DIR}/${name}`),
  ]);
  return newest === null ? null : Math.max(0, nowMs - newest);
}
