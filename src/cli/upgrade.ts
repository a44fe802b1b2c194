import type { Command } from 'commander';
import { acquireLock } from '../engine/lock.js';
import { StateStore } from '../engine/state.js';
import { KjoinError } from '../errors.js';
import { DEFAULT_LOG_PATH } from '../progress/log-file.js';
import { resolveProxy, type CommandEnv } from './command-env.js';
import { openReporting } from './reporting.js';

export function registerUpgrade(program: Command, env: CommandEnv): void {
  program
    .command('upgrade')
    .description('swap the kubelet for another Kubernetes version: version skew checked against the API server, checksum verified, restarted, Ready awaited, rolled back on failure')
    .requiredOption('--kubernetes-version <version>', 'the kubelet version to run, e.g. 1.31.4')
    .option('--mirror <url>', 'base URL replacing every upstream download location [env KJOIN_MIRROR]')
    .option('--ready-timeout <seconds>', 'how long to wait for the node to be Ready again', '300')
    .option('--dry-run', 'check the version skew and say what would happen, changing nothing')
    .addHelpText('after', '\nExamples:\n  kjoin upgrade --kubernetes-version 1.31.4\n  kjoin upgrade --kubernetes-version 1.32.0 --dry-run\n')
    .action(async (options: { kubernetesVersion: string; mirror?: string; readyTimeout: string; dryRun?: boolean }, cmd: Command) => {
      if (!/^v?\d+\.\d+\.\d+$/.test(options.kubernetesVersion)) {
        throw new KjoinError('usage', `--kubernetes-version must be a full version such as 1.31.4 (got "${options.kubernetesVersion}")`);
      }
      const readySeconds = Number(options.readyTimeout);
      if (!Number.isInteger(readySeconds) || readySeconds <= 0) throw new KjoinError('usage', `--ready-timeout must be a whole number of seconds (got "${options.readyTimeout}")`);
      const { globals, ports } = env.setup(cmd);
      const facts = await env.detect(ports);
      const reporting = await openReporting({ env, globals, ports, logFile: DEFAULT_LOG_PATH, secrets: {} });
      const lock = options.dryRun ? null : await acquireLock(ports.fs, env.io.pid);
      try {
        const state = await StateStore.load(ports.fs);
        const http = await ports.makeHttp(resolveProxy(env.io.env, {}));
        const { upgradeKubelet } = await import('../lifecycle/upgrade.js');
        const message = await upgradeKubelet({ ...ports, http }, facts, state, reporting.reporter, env.io.signal, {
          version: options.kubernetesVersion,
          mirror: options.mirror ?? env.io.env.KJOIN_MIRROR,
          readySeconds,
          dryRun: options.dryRun === true,
        });
        reporting.reporter.emit({ type: 'run-end', status: 'ok', message });
      } catch (error) {
        reporting.reporter.emit({ type: 'run-end', status: 'failed', message: `upgrade failed: ${reporting.redact(error instanceof Error ? error.message : String(error))}` });
        throw error;
      } finally {
        await lock?.release();
        await reporting.close();
      }
    });
}
