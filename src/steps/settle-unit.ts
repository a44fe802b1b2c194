import type { StepContext } from '../engine/step.js';
import type { UnitFileState } from '../platform/systemd.js';

/** What the step's check() saw of the unit on this run; nothing between its check and apply changes it. */
export interface ObservedUnit {
  enabled: UnitFileState;
  active: boolean;
}

export interface SettleUnitOptions {
  /** A unit file or drop-in of this unit was written or removed on this run. */
  unitFilesChanged: boolean;
  /** Keep the unit running: started when it is not; restarted when it is and this says why (null: inputs unchanged). */
  running?: { restartReason: string | null };
  /** The unit as check() just saw it, so it is not asked twice. */
  observed?: ObservedUnit;
}

/**
 * Brings a unit to enabled (and, with `running`, active) once its step has written its files, with as few manager
 * reloads as possible: a reload (daemon-reload, or `systemctl enable` without --no-reload) takes about 0.1 s on a
 * small VM, a query about 15 ms.
 * - Not enabled, to be running: `enable --now`, whose reload picks up the unit files, then starts the unit.
 * - Not enabled, not to be running (kubelet before registration): `enable --no-reload` makes the symlinks only.
 *   systemd reads a unit it does not hold from disk when it is first started, so the manager is reloaded only when
 *   it holds this unit with older files (NeedDaemonReload) or as not found (LoadState; older systemd keeps that).
 * - Enabled already: a daemon-reload when its unit files changed.
 */
export async function settleUnit(ctx: StepContext, unit: string, options: SettleUnitOptions): Promise<'started' | 'restarted' | 'unchanged'> {
  const { systemd } = ctx.ports;
  const [enabledState, active] = options.observed
    ? [options.observed.enabled, options.observed.active]
    : await Promise.all([systemd.isEnabled(unit), options.running ? systemd.isActive(unit) : false]);
  const enabled = enabledState === 'enabled';
  if (!enabled && options.running) {
    await systemd.enable(unit, { now: true });
  } else if (!enabled) {
    await systemd.enable(unit, { reload: false });
    const loaded = await systemd.showProperties(unit, ['NeedDaemonReload', 'LoadState']);
    if (loaded.NeedDaemonReload === 'yes' || loaded.LoadState !== 'loaded') await systemd.daemonReload();
  } else if (options.unitFilesChanged) {
    await systemd.daemonReload();
  }
  if (!options.running) return 'unchanged';
  if (!active) {
    if (enabled) await systemd.start(unit);
    return 'started';
  }
  if (options.running.restartReason === null) return 'unchanged';
  ctx.reporter.progress(`restarting ${unit.replace(/\.service$/, '')}: ${options.running.restartReason}`);
  await systemd.restart(unit);
  return 'restarted';
}
