import { readFile, rmdir } from 'node:fs/promises';
import { execa } from 'execa';
import { formatSeconds, isProcessInRoot, logBox, readCmdline, removeTree, signalProcess, waitForExit } from './host.js';
import type { Box, ExecInBoxOptions, ExecInBoxResult } from './types.js';

// What a root login on a fresh Debian VM has; the host's environment (CI tokens, proxies) must not leak in.
const BOX_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
};
const DEFAULT_EXEC_TIMEOUT_MS = 5 * 60_000;
const STOP_GRACE_MS = 20_000;

/** Boxes this process would otherwise leave running if it died before calling stop(). */
const liveBoxes = new Set<NspawnBox>();
let exitHookInstalled = false;

export interface BoxProcess {
  name: string;
  /** The box's own directory (holds `root/`); removed on stop. */
  boxDir: string;
  rootDir: string;
  nspawnPid: number;
  pid: number;
  logPath: string;
}

/** A box booted by systemd-nspawn; commands run through `nsenter -t <its systemd> -a`. */
export class NspawnBox implements Box {
  readonly name: string;
  readonly rootDir: string;
  readonly pid: number;
  readonly nspawnPid: number;
  readonly logPath: string;
  private readonly boxDir: string;
  private stopping: Promise<void> | null = null;

  constructor(proc: BoxProcess, stopOnExit: boolean) {
    this.name = proc.name;
    this.boxDir = proc.boxDir;
    this.rootDir = proc.rootDir;
    this.pid = proc.pid;
    this.nspawnPid = proc.nspawnPid;
    this.logPath = proc.logPath;
    if (stopOnExit) trackForExit(this);
  }

  async exec(cmd: string[], opts: ExecInBoxOptions = {}): Promise<ExecInBoxResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    // Killing nsenter would not kill its child in the box's PID namespace, so the deadline is enforced
    // inside the box by coreutils' timeout; execa's own timeout is only a backstop.
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const args = ['-t', String(this.pid), '-a', '--', 'timeout', '-k', '10s', `${seconds}s`, ...cmd];
    const started = Date.now();
    const result = await execa('nsenter', args, {
      reject: false,
      input: opts.input,
      env: { ...BOX_ENV, ...opts.env },
      extendEnv: false,
      timeout: timeoutMs + 30_000,
      stripFinalNewline: false,
    });
    const exitCode = result.exitCode ?? 128 + 9;
    const hitDeadline = Date.now() - started >= timeoutMs && (exitCode === 124 || exitCode === 137);
    return {
      exitCode,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      timedOut: hitDeadline || result.timedOut,
    };
  }

  async copyIn(hostPath: string, boxPath: string, mode: number): Promise<void> {
    const content = await readFile(hostPath);
    // Streamed through the box's own shell rather than written under rootDir: paths such as /tmp and /run
    // are tmpfs mounts inside the box, invisible from the host side of the directory. The rename keeps a
    // running binary from being overwritten in place (ETXTBSY) and readers from seeing half a file.
    const script = 'set -e; mkdir -p "$(dirname "$1")"; tmp="$1.copy-in.$$"; cat > "$tmp"; chmod "$2" "$tmp"; mv -f "$tmp" "$1"';
    const result = await this.exec(['sh', '-c', script, 'copy-in', boxPath, mode.toString(8)], { input: content });
    if (result.exitCode !== 0) throw new Error(`copyIn ${hostPath} -> ${this.name}:${boxPath} failed: ${result.stderr.trim()}`);
  }

  async readFile(boxPath: string): Promise<string> {
    const result = await this.exec(['cat', '--', boxPath], { timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw new Error(`readFile ${this.name}:${boxPath} failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /**
   * The box is booted without --private-network, so it shares the host's network namespace: the host's
   * loopback is the box's loopback, and a server bound to 127.0.0.1 on the host is reachable as is.
   */
  serviceUrlFromBox(port: number): string {
    return `http://127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAndRemove();
    return this.stopping;
  }

  private async stopAndRemove(): Promise<void> {
    const started = Date.now();
    await stopBoxProcesses(this);
    liveBoxes.delete(this);
    await removeTree(this.boxDir);
    logBox(`stopped ${this.name} in ${formatSeconds(Date.now() - started)} (console log kept: ${this.logPath})`);
  }
}

/**
 * SIGTERM to nspawn asks the box's systemd for an orderly shutdown. Under qemu-user emulation that signal
 * (SIGRTMIN+3) never reaches the guest's systemd, so after a few seconds we ask again through
 * `systemctl poweroff`. If the box is still up after STOP_GRACE_MS, SIGKILL to its PID 1 tears down its
 * whole PID namespace, after which nspawn exits on its own. Signals go only to PIDs verified to still
 * belong to this box (by root directory or command line), never to a reused PID.
 */
export async function stopBoxProcesses(box: { name: string; rootDir: string; nspawnPid: number; pid: number | null }) {
  const deadline = Date.now() + STOP_GRACE_MS;
  const ownsNspawn = async () => (await readCmdline(box.nspawnPid)).includes(box.rootDir);
  const ownsInit = async () => box.pid !== null && (await isProcessInRoot(box.pid, box.rootDir));
  if (await ownsNspawn()) signalProcess(box.nspawnPid, 'SIGTERM');
  if (!(await waitForExit(box.nspawnPid, 5_000)) && box.pid !== null && (await ownsInit())) {
    await execa('nsenter', ['-t', String(box.pid), '-a', 'systemctl', 'poweroff', '--no-block'], {
      reject: false,
      timeout: 10_000,
    });
  }
  if (!(await waitForExit(box.nspawnPid, Math.max(0, deadline - Date.now())))) {
    logBox(`${box.name} did not shut down within ${formatSeconds(STOP_GRACE_MS)}; killing its init`);
    if (box.pid !== null && (await ownsInit())) signalProcess(box.pid, 'SIGKILL');
    if (!(await waitForExit(box.nspawnPid, 10_000)) && (await ownsNspawn())) signalProcess(box.nspawnPid, 'SIGKILL');
    await waitForExit(box.nspawnPid, 5_000);
  }
  // nspawn refuses to delete its propagation dir when /run is not a tmpfs; an empty dir is safe to drop.
  await rmdir(`/run/systemd/nspawn/propagate/${box.name}`).catch(() => undefined);
}

function trackForExit(box: NspawnBox): void {
  liveBoxes.add(box);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only synchronous work is possible at exit: kill each box's PID namespace; `box.ts clean` removes the copies.
  process.on('exit', () => {
    for (const live of liveBoxes) signalProcess(live.pid, 'SIGKILL');
  });
}

