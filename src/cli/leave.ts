import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { SCW_SECRET_KEY_ENV, TOKEN_ENV } from '../config/secrets.js';
import { acquireLock, type Lock } from '../engine/lock.js';
import { StateStore } from '../engine/state.js';
import { KjoinError } from '../errors.js';
import type { LeaveResult } from '../lifecycle/leave.js';
import type { Reporter } from '../progress/events.js';
import type { ProviderContext } from '../providers/index.js';
import { VERSION } from '../version.js';
import { resolveProxy, type CommandEnv, type CommandPorts } from './command-env.js';
import { REMOVE_KEY_OPTION, reportFailure, resolveLogFile, summarizeReset } from './reset.js';
import { openReporting } from './reporting.js';

/** Config, secrets and facts for a provider's deregister, read only when the node is a provider's (Kosmos). */
async function buildProviderContext(env: CommandEnv, ports: CommandPorts, reporter: Reporter, http: ProviderContext['http'], step: string): Promise<ProviderContext> {
  const facts = await env.detect(ports);
  const loaded = await loadConfig({ fs: ports.fs, env: env.io.env, flags: {}, facts: { cloudProvider: facts.cloud.provider } });
  if (!loaded.config) {
    throw new KjoinError('config', `the configuration has ${loaded.errors.length} error(s): ${loaded.errors[0] ?? ''}`, { hint: 'fix /etc/kjoin/join.yaml or the KJOIN_* variables' });
  }
  return {
    config: loaded.config,
    secrets: loaded.secrets,
    facts,
    http,
    fs: ports.fs,
    clock: ports.clock,
    signal: env.io.signal,
    progress: (message) => reporter.emit({ type: 'step-progress', step, phase: 'leave', message }),
  };
}

function describeManualStep(result: LeaveResult): string {
  return `${result.target ?? 'the node'} may still be in the cluster; remove it by hand:\n${result.manual.map((line) => `  ${line}`).join('\n')}\n`;
}

export function registerLeave(program: Command, env: CommandEnv): void {
  program
    .command('leave')
    .description('remove this node from the cluster (kubeadm/file: delete the Node as the node itself; scaleway: delete the Kosmos node), then reset the host as kjoin reset does')
    .option('--force', 'reset the host even when the node could not be removed from the cluster (the manual step is still printed)')
    .option(...REMOVE_KEY_OPTION)
    .addHelpText(
      'after',
      `\nWhen the control plane cannot be reached or refuses, leave prints what to delete by hand and exits 1\nwithout changing the host, unless --force is given. Scaleway nodes need ${SCW_SECRET_KEY_ENV}.\n\nExamples:\n  kjoin leave\n  ${SCW_SECRET_KEY_ENV}=... kjoin leave --output plain\n  kjoin leave --force\n`,
    )
    .action(async (options: { force?: boolean; removeWireguardKey?: boolean }, cmd: Command) => {
    // Loaded when the command runs, so the other commands (join above all) do not start up with its modules.
      const [{ LEAVE_STEP, leaveCluster }, { resetHost }] = await Promise.all([import('../lifecycle/leave.js'), import('../lifecycle/reset.js')]);
      const { globals, ports } = env.setup(cmd);
      const secrets = { token: env.io.env[TOKEN_ENV], scwSecretKey: env.io.env[SCW_SECRET_KEY_ENV] };
      const reporting = await openReporting({ env, globals, ports, logFile: resolveLogFile(env), secrets });
      const { reporter } = reporting;
      const started = ports.clock.monotonicMs();
      let lock: Lock | null = null;
      let stillThere: LeaveResult | null = null;
      try {
        reporter.emit({ type: 'run-start', message: `kjoin ${VERSION} leave${options.force ? ' (--force)' : ''}` });
        lock = await acquireLock(ports.fs, env.io.pid);
        const state = await StateStore.load(ports.fs);
        const http = await ports.makeHttp(resolveProxy(env.io.env, {}));
        const left = await leaveCluster({
          fs: ports.fs,
          http,
          clock: ports.clock,
          signal: env.io.signal,
          reporter,
          state: state.snapshot,
          providerContext: () => buildProviderContext(env, ports, reporter, http, LEAVE_STEP.id),
        });
        if (!left.left) {
          if (!options.force) {
            throw new KjoinError('step-failed', left.message, {
              step: LEAVE_STEP.id,
              details: ['the host was not changed; remove the node by hand:', ...left.manual.map((line) => `  ${line}`)],
              hint: 'then run kjoin reset, or run kjoin leave --force to reset this host now',
            });
          }
          stillThere = left;
          reporter.emit({ type: 'log', step: LEAVE_STEP.id, phase: 'leave', status: 'warn', message: `--force: resetting anyway. ${describeManualStep(left).trimEnd()}` });
        }
        const reset = await resetHost(ports, { dryRun: false, removeWireguardKey: options.removeWireguardKey === true, reporter });
        const summary = `${left.target ? (left.left ? `${left.target} left the cluster` : `${left.target} NOT removed from the cluster`) : 'not a cluster node'}; ${summarizeReset(reset)}`;
        reporter.emit({ type: 'run-end', status: left.left ? 'ok' : 'warn', durationMs: Math.round(ports.clock.monotonicMs() - started), message: summary });
      } catch (error) {
        reportFailure(reporting, 'leave', error);
      } finally {
        await lock?.release();
        await reporting.close();
        // Last thing on the terminal: the one step the operator still owes the cluster.
        if (stillThere) env.io.stderr.write(`kjoin: warning: ${describeManualStep(stillThere)}`);
      }
    });
}
