import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BoxArch, BoxSuite } from './types.js';

/** Everything the harness keeps on the host lives under one directory, so `box.ts clean` can find it all. */
export function resolveBaseDir(): string {
  return process.env.KJOIN_E2E_DIR ?? '/var/cache/kjoin-e2e';
}

export function resolveRootfsDir(suite: BoxSuite, arch: BoxArch): string {
  return join(resolveBaseDir(), `rootfs-${suite}-${arch}`);
}

export function resolveBoxesDir(): string {
  return join(resolveBaseDir(), 'boxes');
}

export function resolveLogsDir(): string {
  return join(resolveBaseDir(), 'logs');
}

/** Timing lines go to stderr so they show up in vitest's output and in `scripts/box.ts` runs alike. */
export function logBox(message: string): void {
  process.stderr.write(`[box] ${message}\n`);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a host command and throws with its stderr when it fails: for setup steps that must succeed. */
export async function runOnHost(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const result = await execa(command, args, { reject: false, timeout: timeoutMs, all: true });
  if (result.exitCode !== 0 || result.failed) {
    const output = String(result.all ?? '').trim().split('\n').slice(-20).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode ?? result.signal}):\n${output}`);
  }
  return String(result.stdout);
}

/** The host must be able to debootstrap and boot boxes; say what to install instead of failing obscurely. */
export async function verifyHostCanBoot(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('e2e boxes need root (debootstrap, systemd-nspawn, nsenter); run the e2e tests as root');
  }
  const missing: string[] = [];
  for (const [tool, pkg] of [
    ['debootstrap', 'debootstrap'],
    ['systemd-nspawn', 'systemd-container'],
    ['nsenter', 'util-linux'],
  ] as const) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) missing.push(pkg);
  }
  if (missing.length > 0) throw new Error(`e2e boxes need: apt-get install -y ${missing.join(' ')}`);
}

/** Alive means it exists and is not a zombie waiting for its parent to reap it. */
export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return parseStat(stat)?.state !== 'Z';
  } catch {
    return false;
  }
}

/** Waits for a process to end; true when it did within the time allowed. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isProcessAlive(pid))) return true;
    await sleep(200);
  }
  return !(await isProcessAlive(pid));
}

/** Children of `parentPid` whose command name is `comm`; /proc/<pid>/task/<tid>/children is not on every kernel. */
export async function findChildPids(parentPid: number, comm: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(await readFile(`/proc/${entry}/stat`, 'utf8'));
      if (stat && stat.ppid === parentPid && stat.comm === comm && stat.state !== 'Z') pids.push(Number(entry));
    } catch {
      // the process ended while we were scanning
    }
  }
  return pids;
}

/** The NUL-separated command line of a process, or '' once it is gone. */
export async function readCmdline(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * True when `pid` runs with `rootDir` as its root, i.e. it is (still) a process of that box: a PID read
 * from a record may have been reused since. Compared by device and inode because readlink on
 * /proc/<pid>/root of a process in another mount namespace only says "/".
 */
export async function isProcessInRoot(pid: number, rootDir: string): Promise<boolean> {
  try {
    const [theirs, ours] = await Promise.all([stat(`/proc/${pid}/root/`), stat(rootDir)]);
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false;
  }
}

/** Sends a signal, ignoring "no such process": the process may end on its own at any moment. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Mount points at or below `dir`, deepest first, so they can be unmounted in order. */
export async function listMountsUnder(dir: string): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((point) => point.replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Deletes a directory tree the harness made, unmounting anything a killed debootstrap or nspawn left
 * mounted in it first; --one-file-system keeps rm from ever walking into a mount we failed to remove.
 */
export async function removeTree(dir: string): Promise<void> {
  for (const point of await listMountsUnder(dir)) await runOnHost('umount', ['-l', point]);
  await runOnHost('rm', ['-rf', '--one-file-system', dir], 10 * 60_000);
}

function parseStat(stat: string): { comm: string; state: string; ppid: number } | null {
  // comm may itself contain spaces and parentheses, so split around the last ')'.
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < 0) return null;
  const rest = stat.slice(close + 2).split(' ');
  return { comm: stat.slice(open + 1, close), state: rest[0] ?? '', ppid: Number(rest[1]) };
}
