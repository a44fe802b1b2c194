import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BoxRecord } from './boot.js';
import { stopBoxProcesses } from './box.js';
import {
  isProcessInRoot,
  logBox,
  readCmdline,
  removeTree,
  resolveBaseDir,
  resolveBoxesDir,
  resolveLogsDir,
  signalProcess,
  waitForExit,
} from './host.js';

export interface CleanOptions {
  /** Also delete the cached rootfs trees, so the next ensureRootfs debootstraps again. */
  rootfs?: boolean;
}

/**
 * Stops every box a run left behind (a crashed test, a `box.ts shell`) and deletes the copies and logs.
 * PIDs from the records are checked against the box's directory before any signal, so a PID reused by an
 * unrelated process since is never touched.
 */
export async function cleanBoxes(options: CleanOptions = {}): Promise<string[]> {
  const removed: string[] = [];
  const boxesDir = resolveBoxesDir();
  for (const entry of await readdir(boxesDir).catch(() => [] as string[])) {
    const boxDir = join(boxesDir, entry);
    const record = await readRecord(boxDir);
    if (record) await stopRecordedBox(record);
    await removeTree(boxDir);
    removed.push(boxDir);
  }
  await rm(resolveLogsDir(), { recursive: true, force: true });
  if (options.rootfs) {
    for (const entry of await readdir(resolveBaseDir()).catch(() => [] as string[])) {
      if (!entry.startsWith('rootfs-')) continue;
      const path = join(resolveBaseDir(), entry);
      if (entry.endsWith('.lock')) await rm(path, { force: true });
      else await removeTree(path);
      removed.push(path);
    }
  }
  return removed;
}

async function stopRecordedBox(record: BoxRecord): Promise<void> {
  if ((await readCmdline(record.nspawnPid)).includes(record.rootDir)) {
    logBox(`stopping leftover box ${record.name}`);
    await stopBoxProcesses(record);
  } else if (record.pid !== null && (await isProcessInRoot(record.pid, record.rootDir))) {
    // nspawn was killed but the box's init survived it, orphaned: killing PID 1 ends the whole box.
    logBox(`killing orphaned init of box ${record.name}`);
    signalProcess(record.pid, 'SIGKILL');
    await waitForExit(record.pid, 5_000);
  }
}

async function readRecord(boxDir: string): Promise<BoxRecord | null> {
  try {
    return JSON.parse(await readFile(join(boxDir, 'box.json'), 'utf8')) as BoxRecord;
  } catch {
    return null;
  }
}
