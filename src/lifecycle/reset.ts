import { BACKUP_DIR, CACHE_DIR, STATE_FILE, StateStore } from '../engine/state.js';
import { describeError, KjoinError } from '../errors.js';
import type { Clock } from '../io/clock.js';
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import type { Systemd } from '../platform/systemd.js';
import type { EventStatus, Reporter } from '../progress/events.js';
import { restoreFstabSwap } from '../steps/swap.js';
import { tearDownLink } from '../wireguard/link.js';
import { findMountBelow, findMountBoundary, readMountPoints } from './mountinfo.js';
import { describeKept, describeResetPlan, RESET_STEPS, type ResetSection } from './reset-describe.js';
import { explainUnsafePath, isEmptyPlan, planReset, type ResetPlan } from './reset-plan.js';
import { buildRemainingState, createUnfinished, isFinished, type Unfinished } from './reset-state.js';

/**
 * `kjoin reset`: undoes a join from state.json alone. Units kjoin enabled are stopped and disabled (kubelet
 * first, containerd last), the WireGuard link deleted, exactly the recorded files removed or their originals
 * restored, swap turned back on, systemd reloaded once; state.json and the download cache go last.
 * Distribution packages stay installed and the WireGuard key stays unless asked. Nothing is removed through a
 * mount point and no directory is removed recursively except kjoin's own cache. Idempotency: a host without
 * state.json has nothing to reset.
 */

export interface ResetPorts {
  fs: FileSystem;
  exec: Exec;
  systemd: Systemd;
  clock: Clock;
}

export interface ResetOptions {
  dryRun: boolean;
  removeWireguardKey: boolean;
  reporter: Reporter;
}

export interface ResetResult {
  outcome: 'nothing-to-reset' | 'planned' | 'reset';
  plan: ResetPlan | null;
  /** Paths left in place (with --dry-run: that would be), with the reason. */
  kept: string[];
}

interface Run {
  ports: ResetPorts;
  reporter: Reporter;
  unfinished: Unfinished;
  problems: string[];
}

/** Does one action under `label`; on failure runs `onFail` (to keep its record) and returns false. */
type Act = (label: string, action: () => Promise<unknown>, onFail?: () => void) => Promise<boolean>;

/** Runs `work` as one reset step on the event stream; an action that fails is reported and reset goes on. */
async function runSection(run: Run, section: ResetSection, work: (act: Act) => Promise<void>): Promise<void> {
  const { reporter, ports } = run;
  const started = ports.clock.monotonicMs();
  const base = { step: section.id, phase: 'reset' as const };
  reporter.emit({ type: 'step-start', ...base, message: section.title });
  let failed = 0;
  let done = 0;
  await work(async (label, action, onFail) => {
    done++;
    reporter.emit({ type: 'step-progress', ...base, message: label });
    try {
      await action();
      return true;
    } catch (error) {
      failed++;
      onFail?.();
      const message = `${label} failed: ${describeError(error)}`;
      run.problems.push(message);
      reporter.emit({ type: 'log', ...base, status: 'warn', message });
      return false;
    }
  });
  const status: EventStatus = failed > 0 ? 'failed' : 'ok';
  const message = failed > 0 ? `${failed} of ${done} action(s) failed` : `${done} action(s) done`;
  reporter.emit({ type: 'step-end', ...base, status: done === 0 ? 'no-change' : status, durationMs: Math.round(ports.clock.monotonicMs() - started), message });
}

async function stopUnits(run: Run, plan: ResetPlan, section: ResetSection): Promise<void> {
  const { systemd } = run.ports;
  await runSection(run, section, async (act) => {
    for (const { unit, active, enabled } of plan.units) {
      const mark = () => run.unfinished.units.add(unit);
      if (active) await act(`stopping ${unit}`, () => systemd.stop(unit), mark);
      if (enabled) await act(`disabling ${unit}`, () => systemd.disable(unit), mark);
    }
  });
}

async function removeFiles(run: Run, plan: ResetPlan, section: ResetSection): Promise<void> {
  const { fs } = run.ports;
  const keepFile = (file: string) => () => run.unfinished.files.add(file);
  await runSection(run, section, async (act) => {
    for (const { path } of plan.remove) await act(`removing ${path}`, () => fs.remove(path), keepFile(path));
    for (const { path, backup, mode } of plan.restore) {
      await act(`restoring ${path} (mode 0${mode.toString(8)})`, async () => fs.writeAtomic(path, await fs.readBytes(backup), mode), keepFile(path));
    }
    for (const { path } of plan.restoreFstab) {
      await act(`turning the swap lines of ${path} back on`, async () => {
        const mode = (await fs.stat(path))?.mode ?? 0o644;
        await fs.writeAtomic(path, restoreFstabSwap(await fs.readText(path)), mode);
      }, keepFile(path));
    }
    for (const { path, original } of plan.removeBackups) {
      // A backup is dropped only once its original is back in place.
      if (run.unfinished.files.has(original)) continue;
      await act(`removing the backup ${path}`, () => fs.remove(path), () => run.unfinished.backups.add(path));
    }
    const base = { type: 'log' as const, step: section.id, phase: 'reset' as const };
    for (const k of plan.kept) run.reporter.emit({ ...base, status: k.retry ? 'warn' : 'info', message: describeKept(k) });
    for (const file of plan.unrecorded) run.reporter.emit({ ...base, status: 'info', message: `left ${file}: not recorded by kjoin` });
  });
}

async function restoreSystemd(run: Run, plan: ResetPlan, section: ResetSection, swapOn: boolean): Promise<void> {
  const { systemd, exec } = run.ports;
  await runSection(run, section, async (act) => {
    for (const unit of plan.unmask) await act(`unmasking ${unit}`, () => systemd.unmask(unit), () => run.unfinished.masked.add(unit));
    await act('reloading systemd', () => systemd.daemonReload());
    if (!swapOn) return;
    run.reporter.emit({ type: 'step-progress', step: section.id, phase: 'reset', message: 'swapon -a' });
    const result = await exec.run('swapon', ['-a'], { timeoutMs: 120_000 });
    // A swap device or file that no longer exists is the operator's business, not a failed reset.
    if (result.exitCode !== 0) {
      run.reporter.emit({ type: 'log', step: section.id, phase: 'reset', status: 'warn', message: `swapon -a: ${result.stderr.split('\n')[0] || `exit ${result.exitCode}`}` });
    }
  });
}

/** state.json goes (or keeps only what is left to do), then the download cache, each only off a mount point. */
async function forgetState(run: Run, state: StateStore, mountPoints: ReadonlySet<string>, section: ResetSection): Promise<void> {
  const { fs, clock } = run.ports;
  await runSection(run, section, async (act) => {
    if (!isFinished(run.unfinished)) {
      const remaining = buildRemainingState(fs, state.snapshot, run.unfinished, clock.now());
      await act(`keeping in ${STATE_FILE} what is left to reset`, () => remaining.save());
    } else {
      const unsafe = explainUnsafePath(STATE_FILE, mountPoints);
      if (unsafe) run.reporter.emit({ type: 'log', step: section.id, phase: 'reset', status: 'warn', message: `keep ${STATE_FILE}: ${unsafe}` });
      else await act(`removing ${STATE_FILE}`, () => fs.remove(STATE_FILE));
    }
    if (!(await fs.exists(CACHE_DIR))) return;
    const mount = findMountBoundary(mountPoints, CACHE_DIR) ?? findMountBelow(mountPoints, CACHE_DIR);
    if (mount) run.reporter.emit({ type: 'log', step: section.id, phase: 'reset', status: 'warn', message: `keep ${CACHE_DIR}: the mount point ${mount} is in the way` });
    // kjoin's own 0700 cache holds only its verified downloads, so it is the one tree removed as a whole.
    else await act(`removing the download cache ${CACHE_DIR}`, () => fs.removeTree(CACHE_DIR));
  });
}

function emitPlan(reporter: Reporter, sections: readonly ResetSection[]): void {
  for (const section of sections) {
    reporter.emit({
      type: 'plan',
      step: section.id,
      phase: 'reset',
      status: 'needed',
      message: `${section.title}:\n${section.lines.map((line) => `  ${line}`).join('\n')}`,
      data: { actions: section.lines },
    });
  }
}

export async function resetHost(ports: ResetPorts, options: ResetOptions): Promise<ResetResult> {
  const { fs } = ports;
  const { reporter } = options;
  const state = await StateStore.load(fs);
  const snapshot = state.snapshot;
  if (!state.existed || Object.keys(snapshot.components).length === 0) {
    if (state.existed && !options.dryRun && !explainUnsafePath(STATE_FILE, await readMountPoints(fs))) await fs.remove(STATE_FILE);
    reporter.emit({ type: 'log', phase: 'reset', status: 'info', message: `nothing to reset: ${state.existed ? `${STATE_FILE} records nothing` : `no ${STATE_FILE} on this host`}` });
    return { outcome: 'nothing-to-reset', plan: null, kept: [] };
  }

  const mountPoints = await readMountPoints(fs);
  const plan = await planReset({ state: snapshot, fs, exec: ports.exec, systemd: ports.systemd, mountPoints, removeWireguardKey: options.removeWireguardKey });
  const swapOn = plan.restoreFstab.length > 0 || plan.unmask.length > 0;
  const retained = plan.kept.filter((k) => k.retry);
  const sections = describeResetPlan(plan, { reload: !isEmptyPlan(plan), swapOn, retained: retained.length });
  const kept = plan.kept.map(describeKept);
  if (options.dryRun) {
    emitPlan(reporter, sections);
    return { outcome: 'planned', plan, kept };
  }

  const run: Run = { ports, reporter, unfinished: createUnfinished(), problems: [] };
  for (const k of retained) (k.path.startsWith(`${BACKUP_DIR}/`) ? run.unfinished.backups : run.unfinished.files).add(k.path);
  const find = (id: string) => sections.find((s) => s.id === id);
  const units = find(RESET_STEPS.units.id);
  if (units) await stopUnits(run, plan, units);
  const wireguard = find(RESET_STEPS.wireguard.id);
  if (wireguard) {
    await runSection(run, wireguard, async (act) => {
      for (const iface of plan.interfaces) await act(`deleting interface ${iface}`, () => tearDownLink(ports.exec, iface));
    });
  }
  const files = find(RESET_STEPS.files.id);
  if (files) await removeFiles(run, plan, files);
  const systemd = find(RESET_STEPS.systemd.id);
  if (systemd) await restoreSystemd(run, plan, systemd, swapOn);
  await forgetState(run, state, mountPoints, find(RESET_STEPS.state.id)!);

  if (run.problems.length > 0) {
    throw new KjoinError('step-failed', `reset could not undo ${run.problems.length} thing(s)`, {
      details: run.problems,
      hint: `fix the causes above and run kjoin reset again: ${STATE_FILE} keeps what is left`,
    });
  }
  return { outcome: 'reset', plan, kept };
}
