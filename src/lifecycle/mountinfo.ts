import * as path from 'node:path';
import { KjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';

/**
 * /proc/self/mountinfo (proc(5)), so reset never deletes through a mount point: a bind mount under
 * /var/lib/kubelet (a pod volume, a hostPath) or a data disk must keep its contents. One line per mount:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent major:minor root mount-point options [optional fields...] - fstype source super-options
 *
 * Paths escape space, tab, newline and backslash as octal (\040, \011, \012, \134).
 */

export const MOUNTINFO_PATH = '/proc/self/mountinfo';

export interface MountEntry {
  mountId: number;
  parentId: number;
  device: string;
  /** The directory of the mounted file system that appears at mountPoint ("/" unless a bind mount of a subtree). */
  root: string;
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
}

/** Undoes the kernel's octal escapes (\040 → space). */
export function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** The mounts in the order the kernel lists them; malformed lines are skipped (the kernel never writes one). */
export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const separator = fields.indexOf('-', 6);
    if (fields.length < 7 || separator === -1 || fields.length < separator + 3) continue;
    const [id, parent, device, root, mountPoint, options] = fields;
    const mountId = Number.parseInt(id!, 10);
    const parentId = Number.parseInt(parent!, 10);
    if (!Number.isInteger(mountId) || !Number.isInteger(parentId)) continue;
    mounts.push({
      mountId,
      parentId,
      device: device!,
      root: unescapeMountPath(root!),
      mountPoint: unescapeMountPath(mountPoint!),
      options: options!,
      fsType: fields[separator + 1]!,
      source: unescapeMountPath(fields[separator + 2]!),
    });
  }
  return mounts;
}

/**
 * The mount points as the FileSystem port sees them. Under --host-root DIR the kernel names a mount at
 * DIR/var/lib/kubelet/pods/x; seen through the port that is /var/lib/kubelet/pods/x. Mounts at or above the
 * host root (its own file system) are the "/" every path is on, so they never count.
 */
export function toHostMountPoints(mounts: readonly MountEntry[], hostRoot: string): Set<string> {
  const root = path.posix.resolve(hostRoot);
  const points = new Set<string>();
  for (const mount of mounts) {
    const point = path.posix.resolve(mount.mountPoint);
    if (root === '/') {
      if (point !== '/') points.add(point);
    } else if (point.startsWith(`${root}/`)) {
      points.add(point.slice(root.length));
    }
  }
  return points;
}

/**
 * The mount point at `file` or at one of its parents below "/", or null when the whole path lies on the root
 * file system. Deleting or rewriting through such a path could reach files that are not kjoin's.
 */
export function findMountBoundary(mountPoints: ReadonlySet<string>, file: string): string | null {
  let current = path.posix.resolve(file);
  while (current !== '/') {
    if (mountPoints.has(current)) return current;
    current = path.posix.dirname(current);
  }
  return null;
}

/** A mount point strictly below `dir`: a tree holding one must never be removed as a whole. */
export function findMountBelow(mountPoints: ReadonlySet<string>, dir: string): string | null {
  const prefix = `${path.posix.resolve(dir)}/`;
  for (const point of mountPoints) if (point.startsWith(prefix)) return point;
  return null;
}

/**
 * The host's mount points, read through the FileSystem port. Without them kjoin cannot tell a recorded file from
 * one reached through a bind mount, so it refuses to remove anything.
 */
export async function readMountPoints(fs: FileSystem): Promise<Set<string>> {
  const text = await fs.readTextOrNull(MOUNTINFO_PATH);
  if (text === null || text.trim() === '') {
    throw new KjoinError('step-failed', `cannot read ${MOUNTINFO_PATH}: kjoin will not remove files without knowing the mount points`, {
      hint: fs.root === '/' ? 'mount /proc and run kjoin again' : `make the host's /proc visible under ${fs.root}/proc (e.g. mount --bind /proc ${fs.root}/proc)`,
    });
  }
  return toHostMountPoints(parseMountinfo(text), fs.root);
}
