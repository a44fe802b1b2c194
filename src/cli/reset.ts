import type { Command } from 'commander';
import { acquireLock, type Lock } from '../engine/lock.js';
import { isKjoinError } from '../errors.js';
import type { ResetResult } from '../lifecycle/reset.js';
import { DEFAULT_LOG_PATH } from '../progress/log-file.js';
import { VERSION } from '../version.js';
import type { CommandEnv } from './command-env.js';
import { openReporting, type Reporting } from './reporting.js';

export const REMOVE_KEY_OPTION = ['--remove-wireguard-key', 'also delete the WireGuard private key /var/lib/kilo/key (kept by default: a later join and Kilo reuse it)'] as const;

/** The log file every run appends to; reset and leave have no config to name another one but KJOIN_LOG_FILE. */
export function resolveLogFile(env: CommandEnv): string {
  return env.io.env.KJOIN_LOG_FILE || DEFAULT_LOG_PATH;
}

/** The last line of a reset: what happened, in one sentence. */
export function summarizeReset(result: ResetResult): string {
  if (result.outcome === 'nothing-to-reset') return 'nothing to reset';
  if (result.outcome === 'planned') return `dry run finished: nothing was changed${result.kept.length ? ` (${result.kept.length} path(s) would be kept)` : ''}`;
  return `reset finished${result.kept.length ? `; kept ${result.kept.length} path(s), listed above` : ''}`;
}

/** Ends a run on the event stream with a failed run-end, then lets the error reach the entry point. */
export function reportFailure(reporting: Reporting, command: string, error: unknown): never {
  const where = isKjoinError(error) && error.step ? ` at step ${error.step}` : '';
  reporting.reporter.emit({ type: 'run-end', status: 'failed', message: `${command} failed${where}: ${reporting.redact(isKjoinError(error) ? error.message : String(error))}` });
  throw error;
}

export function registerReset(program: Command, env: CommandEnv): void {
  program
    .command('reset')
    .description("undo a join on this host: stop and disable kjoin's units, remove exactly the files it recorded (restoring the originals it replaced), remove the WireGuard interface and turn swap back on; distribution packages stay installed")
    .option('--dry-run', 'list what would be stopped, removed, restored and kept, and change nothing')
    .option(...REMOVE_KEY_OPTION)
    .addHelpText(
      'after',
      '\nNothing is removed through a mount point: a recorded path on or under one is kept and reported.\nTo also remove the node from the cluster, use kjoin leave.\n\nExamples:\n  kjoin reset --dry-run\n  kjoin reset\n  kjoin reset --remove-wireguard-key --output plain\n',
    )
    .action(async (options: { dryRun?: boolean; removeWireguardKey?: boolean }, cmd: Command) => {
      const dryRun = options.dryRun === true;
      const { globals, ports } = env.setup(cmd);
      // A dry run changes nothing: no lock file, no log line.
      const reporting = await openReporting({ env, globals, ports, logFile: dryRun ? null : resolveLogFile(env), secrets: {} });
      const { reporter } = reporting;
      const started = ports.clock.monotonicMs();
      let lock: Lock | null = null;
      try {
        reporter.emit({ type: 'run-start', message: `kjoin ${VERSION} reset${dryRun ? ' (dry run)' : ''}` });
        if (!dryRun) lock = await acquireLock(ports.fs, env.io.pid);
        const { resetHost } = await import('../lifecycle/reset.js');
        const result = await resetHost(ports, { dryRun, removeWireguardKey: options.removeWireguardKey === true, reporter });
        reporter.emit({ type: 'run-end', status: 'ok', durationMs: Math.round(ports.clock.monotonicMs() - started), message: summarizeReset(result) });
      } catch (error) {
        reportFailure(reporting, dryRun ? 'dry run' : 'reset', error);
      } finally {
        await lock?.release();
        await reporting.close();
      }
    });
}
