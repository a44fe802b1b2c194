/**
 * Runs apt-get so that a held dpkg lock means "wait and say for whom", never an instant failure or a silent
 * hang. apt ≥ 1.9.11 waits by itself (DPkg::Lock::Timeout, which apt-get update ignores); older apt fails
 * at once, so kjoin polls the lock holders itself and retries until the lock timeout.
 */
import { KjoinError } from '../errors.js';
import type { ExecResult } from '../io/exec.js';
import type { Ports } from '../engine/step.js';
import { parseAptProgressLine } from './apt-output.js';
import { describeAge } from './cache-age.js';
import { describeLockWait, findLockHolders, parseAptLockLine, type LockHolder } from './dpkg-lock.js';
import type { PackageProgressListener } from './package-manager.js';

/**
 * No prompts from debconf or apt-listchanges; needrestart suspended so it does not restart services (such
 * as a running kubelet) behind kjoin's back; C locale so the output parses.
 */
export const APT_ENV: Record<string, string> = {
  DEBIAN_FRONTEND: 'noninteractive',
  APT_LISTCHANGES_FRONTEND: 'none',
  NEEDRESTART_SUSPEND: '1',
  LC_ALL: 'C',
};

export interface AptRunOptions {
  onProgress?: PackageProgressListener;
  /** Kill apt-get after this long (a hung mirror must not hang the join forever). */
  timeoutMs: number;
  /** Give up waiting for the dpkg lock after this long. */
  lockTimeoutMs: number;
  /** How often to look at the lock holders again while waiting. */
  lockPollMs: number;
  /** apt understands DPkg::Lock::Timeout and waits by itself. */
  aptWaitsForLock: boolean;
  /** Called once apt-get runs (at each attempt, when it has to try again). */
  onSpawn?: () => void;
}

/** apt's complaints when another process holds one of its locks. */
function isLockFailure(result: ExecResult): boolean {
  return `${result.stderr}\n${result.stdout}`.split('\n').some((line) => parseAptLockLine(line) !== null);
}

function raiseLockTimeout(holder: { pid: number | null; name: string | null }, lockTimeoutMs: number): never {
  const who = holder.pid === null ? 'another process' : `PID ${holder.pid}${holder.name ? ` (${holder.name})` : ''}`;
  throw new KjoinError('step-failed', `the dpkg lock is still held by ${who} after ${describeAge(lockTimeoutMs)}`, {
    hint:
      holder.pid === null
        ? 'find the holder with "fuser -v /var/lib/dpkg/lock-frontend", let it finish, then run kjoin again'
        : `let it finish (see "ps -f -p ${holder.pid}"; unattended upgrades log to /var/log/unattended-upgrades/), then run kjoin again`,
  });
}

/** Runs `apt-get <args>`, streaming progress and waiting for the dpkg lock; returns apt-get's result. */
export async function runAptGet(ports: Ports, args: string[], options: AptRunOptions): Promise<ExecResult> {
  const { clock } = ports;
  const deadline = clock.monotonicMs() + options.lockTimeoutMs;
  const knownNames = new Map<number, string>();
  let lastHolder: { pid: number | null; name: string | null } = { pid: null, name: null };
  let lastMessage = '';
  const reportWait = (holder: { pid: number | null; name: string | null }) => {
    const name = (holder.pid !== null ? knownNames.get(holder.pid) : undefined) ?? holder.name;
    lastHolder = { pid: holder.pid, name };
    const message = describeLockWait(lastHolder);
    if (message === lastMessage) return;
    lastMessage = message;
    options.onProgress?.({ kind: 'lock-wait', message });
  };
  const onLine = (_stream: 'stdout' | 'stderr', line: string) => {
    const complaint = parseAptLockLine(line);
    if (complaint) return reportWait(complaint);
    const progress = parseAptProgressLine(line);
    if (progress) options.onProgress?.(progress);
  };

  for (;;) {
    const holders: LockHolder[] = await findLockHolders(ports);
    for (const holder of holders) if (holder.name) knownNames.set(holder.pid, holder.name);
    if (holders[0]) {
      reportWait(holders[0]);
      if (!options.aptWaitsForLock) {
        if (clock.monotonicMs() >= deadline) raiseLockTimeout(lastHolder, options.lockTimeoutMs);
        await clock.sleep(options.lockPollMs);
        continue;
      }
    }
    const result = await ports.exec.run('apt-get', args, { env: APT_ENV, timeoutMs: options.timeoutMs, onLine, onSpawn: options.onSpawn });
    if (result.exitCode === 0 || !isLockFailure(result)) return result;
    if (clock.monotonicMs() >= deadline) raiseLockTimeout(lastHolder, options.lockTimeoutMs);
    await clock.sleep(options.lockPollMs);
  }
}
