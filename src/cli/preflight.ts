import type { Command } from 'commander';
import { CONFIG_OPTIONS } from '../config/options.js';
import { KjoinError } from '../errors.js';
import type { Facts } from '../facts/types.js';
import { runPreflight, summarisePreflight, type CheckOutcome } from '../preflight/checks.js';
import type { Reporter } from '../progress/events.js';
import { addTableOptions, describeEnvOnly } from './commander-options.js';
import type { CommandEnv, CommandPorts } from './command-env.js';
import type { LoadedJoinConfig } from './load-join-config.js';
import { loadJoinConfig } from './load-join-config.js';
import { openReporting } from './reporting.js';

/** Runs every preflight check and streams one 'check' event per outcome. */
export async function reportPreflight(
  reporter: Reporter,
  facts: Facts,
  loaded: LoadedJoinConfig | null,
  ports: CommandPorts,
  isRoot: boolean,
): Promise<{ outcomes: CheckOutcome[]; passed: boolean }> {
  const outcomes = await runPreflight({ facts, config: loaded?.config ?? null, ports, isRoot });
  for (const outcome of outcomes) {
    reporter.emit({
      type: 'check',
      step: outcome.id,
      phase: 'preflight',
      status: outcome.status,
      message: outcome.message,
      data: outcome.remediation ? { hint: outcome.remediation } : undefined,
    });
  }
  const summary = summarisePreflight(outcomes);
  reporter.emit({
    type: 'log',
    phase: 'preflight',
    status: summary.passed ? (summary.warn ? 'warn' : 'ok') : 'fail',
    message: `preflight: ${summary.ok} ok, ${summary.warn} warning${summary.warn === 1 ? '' : 's'}, ${summary.fail} failed`,
  });
  return { outcomes, passed: summary.passed };
}

export function preflightFailure(outcomes: readonly CheckOutcome[]): KjoinError {
  const failed = outcomes.filter((o) => o.status === 'fail');
  return new KjoinError('preflight', `${failed.length} preflight check${failed.length === 1 ? '' : 's'} failed: ${failed.map((o) => o.id).join(', ')}`, {
    details: failed.map((o) => `${o.id}: ${o.message}${o.remediation ? ` — ${o.remediation}` : ''}`),
    hint: 'fix the failed checks and run again (kjoin preflight repeats them without changing anything)',
  });
}

export function registerPreflight(program: Command, env: CommandEnv): void {
  const command = program
    .command('preflight')
    .description('check that this host can become a node: root, OS, arch, memory, disk, swap, ports, kernel modules, cgroup, AppArmor, earlier installs, clock, control-plane reachability')
    .addHelpText(
      'after',
      `${describeEnvOnly(CONFIG_OPTIONS)}\nExamples:\n  kjoin preflight\n  kjoin preflight --server https://api.example.com:6443\n  kjoin preflight --config /etc/kjoin/join.yaml --output json\n\nExit code 3 when any check fails; warnings do not fail.\n`,
    );
  addTableOptions(command, CONFIG_OPTIONS);
  command.action(async (_options: unknown, cmd: Command) => {
    const { globals, ports } = env.setup(cmd);
    const facts = await env.detect(ports);
    const loaded = await loadJoinConfig(cmd, ports, env.io.env, facts);
    const reporting = await openReporting({ env, globals, ports, logFile: loaded.config.logFile, secrets: loaded.secrets });
    try {
      for (const warning of loaded.warnings) reporting.reporter.emit({ type: 'log', status: 'warn', message: warning });
      const { outcomes, passed } = await reportPreflight(reporting.reporter, facts, loaded, ports, env.io.isRoot);
      if (!passed) throw preflightFailure(outcomes);
    } finally {
      await reporting.close();
    }
  });
}
