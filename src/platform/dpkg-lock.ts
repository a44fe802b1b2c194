/**
 * Who holds the dpkg/apt lock. On a fresh cloud VM, unattended-upgrades or cloud-init's own apt run often
 * holds it for minutes; kjoin waits, and says whom it is waiting for instead of looking hung.
 */
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';

/** apt's frontend lock first: it is the one every apt/dpkg frontend takes since apt 1.9/dpkg 1.19.7. */
export const DPKG_LOCK_FILES = [
  '/var/lib/dpkg/lock-frontend',
  '/var/lib/dpkg/lock',
  '/var/lib/apt/lists/lock',
  '/var/cache/apt/archives/lock',
] as const;

export interface LockHolder {
  pid: number;
  /** Process name from /proc (comm, expanded from cmdline when the kernel truncated it), or null. */
  name: string | null;
  lockFile: string;
}

/** What apt said about a lock it could not take. */
export interface AptLockComplaint {
  lockFile: string | null;
  pid: number | null;
  name: string | null;
  /** True for "Waiting for cache lock" (apt is still waiting); false for the final "E: Could not get lock". */
  waiting: boolean;
}

/** fuser prints PIDs on stdout (with access letters such as "1234c" in some modes) and file names on stderr. */
export function parseFuserPids(stdout: string): number[] {
  const pids = stdout
    .split(/\s+/)
    .map((token) => /^(\d+)[a-zA-Z]*$/.exec(token)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number);
  return [...new Set(pids)];
}

/**
 * Parses apt's lock complaints, old and new:
 *   Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (unattended-upgr)... 5s
 *   E: Could not get lock /var/lib/apt/lists/lock. It is held by process 967 (apt)
 *   E: Could not get lock /var/lib/dpkg/lock-frontend - open (11: Resource temporarily unavailable)
 *   E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?
 * apt redraws the waiting line with carriage returns, so only the last segment of a line counts.
 */
export function parseAptLockLine(rawLine: string): AptLockComplaint | null {
  const line = rawLine.split('\r').filter((part) => part.trim() !== '').pop() ?? '';
  const waiting = /Waiting for cache lock/i.test(line);
  const couldNot = /Could not get lock (\/\S+?)(?:\.\s|\s|\.?$)/.exec(line);
  const unable = /Unable to acquire the dpkg frontend lock \((\/[^)]+)\)/.exec(line);
  if (!couldNot && !unable && !waiting) return null;
  const held = /held by process (\d+)(?: \(([^)]*)\))?/.exec(line);
  return {
    lockFile: couldNot?.[1] ?? unable?.[1] ?? null,
    pid: held ? Number(held[1]) : null,
    name: held?.[2] || null,
    waiting,
  };
}

/**
 * /proc/locks holders as {pid, device, inode}; lines with "->" are processes blocked on a lock, not holding it.
 * The device is "major:minor" in the file's hex, as the kernel prints it.
 */
export function parseProcLocks(text: string): Array<{ pid: number; device: string; inode: number }> {
  const holders: Array<{ pid: number; device: string; inode: number }> = [];
  for (const line of text.split('\n')) {
    const match = /^\d+:\s+(?!->)\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/i.exec(line);
    if (match) holders.push({ pid: Number(match[1]), device: `${Number.parseInt(match[2]!, 16)}:${Number.parseInt(match[3]!, 16)}`, inode: Number(match[4]) });
  }
  return holders;
}

/** st_dev as "major:minor" (glibc's gnu_dev_major/minor), to compare with parseProcLocks' device. */
export function describeDevice(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & 0xfffff000n);
  const minor = (d & 0xffn) | ((d >> 12n) & 0xffffff00n);
  return `${major}:${minor}`;
}

/** The progress line shown while waiting: "waiting for the dpkg lock held by PID 1234 (unattended-upgrades)". */
export function describeLockWait(holder: { pid: number | null; name: string | null }, lock = 'dpkg'): string {
  if (holder.pid === null) return `waiting for the ${lock} lock held by another process`;
  return `waiting for the ${lock} lock held by PID ${holder.pid}${holder.name ? ` (${holder.name})` : ''}`;
}

/**
 * A process name from /proc. comm is cut at 15 characters ("unattended-upgr"), so a full-length comm is
 * expanded from the cmdline argument it abbreviates ("/usr/bin/unattended-upgrade" → "unattended-upgrade").
 */
export async function readProcessName(fs: FileSystem, pid: number): Promise<string | null> {
  const comm = (await fs.readTextOrNull(`/proc/${pid}/comm`))?.trim();
  if (!comm) return null;
  if (comm.length < 15) return comm;
  const cmdline = (await fs.readTextOrNull(`/proc/${pid}/cmdline`)) ?? '';
  for (const arg of cmdline.split('\0')) {
    const base = arg.split('/').pop() ?? '';
    if (base.startsWith(comm)) return base;
  }
  return comm;
}

/**
 * Processes holding any of the dpkg/apt locks, with their names; empty when the locks are free. Read from
 * /proc/locks and the lock files' device and inode, which costs no process; fuser (psmisc) only where /proc/locks
 * cannot be read.
 */
export async function findLockHolders(
  ports: { exec: Exec; fs: FileSystem },
  files: readonly string[] = DPKG_LOCK_FILES,
): Promise<LockHolder[]> {
  const holders = new Map<number, LockHolder>();
  const add = async (pid: number, lockFile: string) => {
    if (!holders.has(pid)) holders.set(pid, { pid, name: await readProcessName(ports.fs, pid), lockFile });
  };
  const locks = await ports.fs.readTextOrNull('/proc/locks');
  if (locks !== null) {
    const held = parseProcLocks(locks);
    if (held.length === 0) return [];
    for (const file of files) {
      const stat = await ports.fs.stat(file);
      if (!stat?.isFile) continue;
      const device = describeDevice(stat.dev);
      for (const lock of held) if (lock.inode === stat.ino && lock.device === device) await add(lock.pid, file);
    }
  } else if ((await ports.exec.which('fuser')) !== null) {
    for (const file of files) {
      if (!(await ports.fs.exists(file))) continue;
      const result = await ports.exec.run('fuser', [file], { timeoutMs: 10_000 });
      if (result.exitCode === 0) for (const pid of parseFuserPids(result.stdout)) await add(pid, file);
    }
  }
  return [...holders.values()];
}
