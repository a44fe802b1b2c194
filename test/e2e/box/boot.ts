import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NspawnBox, stopBoxProcesses } from './box.js';
import type { BoxProcess } from './box.js';
import {
  findChildPids,
  formatSeconds,
  isProcessAlive,
  logBox,
  removeTree,
  resolveBoxesDir,
  resolveLogsDir,
  runOnHost,
  sleep,
  verifyHostCanBoot,
} from './host.js';
import type { Box, BootOptions } from './types.js';

const DEFAULT_BOOT_TIMEOUT_MS = 120_000;

/** What `box.ts clean` reads to find a box this or an earlier (crashed) run left behind. */
export interface BoxRecord {
  name: string;
  rootDir: string;
  nspawnPid: number;
  pid: number | null;
  logPath: string;
}

/**
 * Boots a fresh copy of `rootfs` with systemd as PID 1 and resolves once systemd reports running or
 * degraded. Each box gets its own copy, so tests never see another test's (or run's) leftovers.
 * `cp -a --reflink=auto` was chosen over an overlayfs lower dir: it costs ~1 s for the ~250 MB minbase
 * tree, and a plain directory lets containerd inside the box use its overlayfs snapshotter, which refuses
 * an overlayfs upper dir.
 */
export async function bootBox(options: BootOptions): Promise<Box> {
  await verifyHostCanBoot();
  const started = Date.now();
  const name = makeMachineName(options.name);
  const boxDir = join(resolveBoxesDir(), name);
  const rootDir = join(boxDir, 'root');
  const logPath = join(resolveLogsDir(), `${name}.log`);
  await mkdir(boxDir, { recursive: true });
  await mkdir(resolveLogsDir(), { recursive: true });
  await runOnHost('cp', ['-a', '--reflink=auto', options.rootfs, rootDir], 10 * 60_000);
  const copied = Date.now();
  await writeFile(join(rootDir, 'etc/hostname'), `${name}\n`, { mode: 0o644 });

  const nspawnPid = await startNspawn(rootDir, name, logPath);
  const record: BoxRecord = { name, rootDir, nspawnPid, pid: null, logPath };
  await writeFile(join(boxDir, 'box.json'), JSON.stringify(record), { mode: 0o644 });
  let box: NspawnBox | null = null;
  try {
    const pid = await waitForInit(nspawnPid, logPath);
    await writeFile(join(boxDir, 'box.json'), JSON.stringify({ ...record, pid }), { mode: 0o644 });
    const proc: BoxProcess = { name, boxDir, rootDir, nspawnPid, pid, logPath };
    box = new NspawnBox(proc, options.stopOnExit ?? true);
    const state = await waitForSystemd(box, options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS);
    const now = Date.now();
    logBox(
      `bootBox ${name}: ${state}; copy ${formatSeconds(copied - started)}, boot ${formatSeconds(now - copied)}, ` +
        `total ${formatSeconds(now - started)}; nsenter -t ${pid} -a`,
    );
    return box;
  } catch (error) {
    if (box) await box.stop();
    else {
      await stopBoxProcesses(record);
      await removeTree(boxDir);
    }
    throw new Error(`${(error as Error).message}\n--- ${logPath} (last lines) ---\n${await readLogTail(logPath)}`);
  }
}

/** A valid machine name and hostname: lowercase, digits and dashes, unique thanks to a random suffix. */
function makeMachineName(label: string): string {
  const base = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'box';
  return `${base}-${randomBytes(3).toString('hex')}`;
}

/**
 * Starts nspawn detached (own session, so a Ctrl-C meant for the test runner does not reach it) with its
 * console going to a log file. --register=no and --keep-unit because the host need not run systemd
 * (no machined, no unit to move into); nspawn then expects /run/systemd/nspawn/propagate to exist.
 */
async function startNspawn(rootDir: string, name: string, logPath: string): Promise<number> {
  await mkdir('/run/systemd/nspawn/propagate', { recursive: true });
  const log = await open(logPath, 'w', 0o644);
  try {
    const args = ['-D', rootDir, '--boot', '--register=no', '--keep-unit', `--machine=${name}`];
    const child = spawn('systemd-nspawn', args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error('systemd-nspawn did not start');
    return child.pid;
  } finally {
    await log.close();
  }
}

/** nspawn forks the box's PID 1; it is ours once the child has exec'd systemd. */
async function waitForInit(nspawnPid: number, logPath: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [pid] = await findChildPids(nspawnPid, 'systemd');
    if (pid !== undefined) return pid;
    if (!(await isProcessAlive(nspawnPid))) throw new Error(`systemd-nspawn exited before booting (see ${logPath})`);
    await sleep(100);
  }
  throw new Error(`no systemd appeared under systemd-nspawn (PID ${nspawnPid}) within 30 s`);
}

/**
 * Polls `systemctl is-system-running` rather than using --wait alone: right after exec the box's D-Bus
 * and systemd's private socket may not exist yet, and --wait would then fail at once instead of waiting.
 */
async function waitForSystemd(box: NspawnBox, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const result = await box.exec(['systemctl', 'is-system-running'], { timeoutMs: 15_000 });
    last = (result.stdout.trim() || result.stderr.trim()).split('\n')[0] ?? '';
    if (last === 'running') return last;
    if (last === 'degraded') return `degraded (failed units: ${await listFailedUnits(box)})`;
    if (last === 'maintenance' || last === 'stopping') throw new Error(`box ${box.name} is ${last} instead of booting`);
    if (!(await isProcessAlive(box.nspawnPid))) throw new Error(`box ${box.name} exited while booting`);
    await sleep(250);
  }
  throw new Error(`box ${box.name} did not finish booting within ${formatSeconds(timeoutMs)} (last state: ${last})`);
}

async function listFailedUnits(box: NspawnBox): Promise<string> {
  const result = await box.exec(['systemctl', 'list-units', '--failed', '--plain', '--no-legend'], { timeoutMs: 15_000 });
  return result.stdout.split('\n').map((line) => line.split(' ')[0]).filter(Boolean).join(', ') || 'none';
}

async function readLogTail(logPath: string): Promise<string> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  // Strip the console's colour codes: they make failure output in CI unreadable.
  return text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(-30).join('\n');
}
