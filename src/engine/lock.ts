import { KjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';

/**
 * One kjoin run at a time per host. The lock is a file created with O_EXCL holding the owner's PID; a lock whose
 * PID is gone (the run was SIGKILLed) is stale and taken over, so a killed run never blocks the next one.
 * /run is a tmpfs, so a reboot clears it too.
 */

export const LOCK_FILE = '/run/kjoin/lock';

export interface Lock {
  release(): Promise<void>;
}

export type IsAlive = (pid: number) => boolean;

export const isProcessAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export async function acquireLock(fs: FileSystem, pid: number, isAlive: IsAlive = isProcessAlive): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await fs.createExclusive(LOCK_FILE, `${pid}\n`, 0o644)) {
      return {
        release: async () => {
          const owner = await fs.readTextOrNull(LOCK_FILE);
          if (owner?.trim() === String(pid)) await fs.remove(LOCK_FILE);
        },
      };
    }
    const holder = Number.parseInt((await fs.readTextOrNull(LOCK_FILE))?.trim() ?? '', 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== pid && isAlive(holder)) {
      throw new KjoinError('locked', `another kjoin run (PID ${holder}) is working on this host`, {
        hint: `wait for it to finish (journalctl -f or tail -f /var/log/kjoin.log); if PID ${holder} is not kjoin, remove ${LOCK_FILE}`,
      });
    }
    // Stale (owner gone, or unreadable content): remove and try once more.
    await fs.remove(LOCK_FILE);
  }
  throw new KjoinError('locked', `could not take the lock ${LOCK_FILE}`, { hint: `remove ${LOCK_FILE} if no kjoin is running` });
}
