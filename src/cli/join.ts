import type { Command } from 'commander';
import { requireCredentials } from '../config/load.js';
import { CONFIG_OPTIONS } from '../config/options.js';
import { describeSupportedOs } from '../facts/os-release.js';
import { acquireLock, type Lock } from '../engine/lock.js';
import { formatPlanText } from '../engine/plan-text.js';
import { runSteps, type RunSummary } from '../engine/runner.js';
import { StateStore } from '../engine/state.js';
import { isKjoinError, KjoinError } from '../errors.js';
import type { Facts } from '../facts/types.js';
import { joinSteps } from '../steps/index.js';
import { VERSION } from '../version.js';
import { addTableOptions, describeEnvOnly } from './commander-options.js';
import type { CommandEnv } from './command-env.js';
import { loadJoinConfig } from './load-join-config.js';
import { preflightFailure, reportPreflight } from './preflight.js';
import { openReporting } from './reporting.js';

/** join refuses hosts it cannot serve before touching anything: unknown arch, unsupported OS. */
export function assertJoinable(facts: Facts): void {
  if (!facts.arch) {
    throw new KjoinError('preflight', `unsupported architecture "${facts.rawArch}": kjoin joins amd64 and arm64 hosts only`, {
      hint: 'use an amd64 (x86_64) or arm64 (aarch64) machine',
    });
  }
  if (facts.os.support === 'unsupported') {
    throw new KjoinError('preflight', `unsupported OS: ${facts.os.prettyName ?? facts.os.name} (${facts.os.id} ${facts.os.versionId ?? ''})`.trimEnd(), {
      hint: `kjoin supports ${describeSupportedOs()}`,
    });
  }
}

export function registerJoin(program: Command, env: CommandEnv): void {
  const command = program
    .command('join')
    .description('install containerd, CNI plugins and kubelet, bring up WireGuard, register with the control plane and wait for Ready')
    .option('--dry-run', 'validate, detect and run preflight, then print the ordered plan (files with mode and content, commands, downloads) without changing anything')
    .addHelpText(
      'after',
      `${describeEnvOnly(CONFIG_OPTIONS)}\nExamples:\n  KJOIN_TOKEN=abcdef.0123456789abcdef kjoin join --server https://api.example.com:6443 \\\n      --discovery-token-ca-cert-hash sha256:<hex> --label provider=hetzner\n  kjoin join --config /etc/kjoin/join.yaml --dry-run\n  POOL_ID=... POOL_REGION=fr-par SCW_SECRET_KEY=... kjoin join --provider scaleway --output plain\n`,
    );
  addTableOptions(command, CONFIG_OPTIONS);
  command.action(async (options: { dryRun?: boolean }, cmd: Command) => {
    const dryRun = options.dryRun === true;
    const { globals, ports } = env.setup(cmd);
    const facts = await env.detect(ports);
    const loaded = await loadJoinConfig(cmd, ports, env.io.env, facts);
    const credentialProblems = requireCredentials(loaded.config, loaded.secrets);
    if (credentialProblems.length > 0 && !dryRun) {
      throw new KjoinError('config', 'the control-plane credentials are incomplete:', {
        details: credentialProblems,
        hint: 'kjoin join --help lists every setting; secrets come from the environment or a 0600 file',
      });
    }
    const reporting = await openReporting({ env, globals, ports, logFile: loaded.config.logFile, secrets: loaded.secrets });
    const { reporter } = reporting;
    const startedAt = ports.clock.now().toISOString();
    let lock: Lock | null = null;
    let state: StateStore | null = null;
    let summary: RunSummary | null = null;
    try {
      reporter.emit({ type: 'run-start', message: `kjoin ${VERSION} join${dryRun ? ' (dry run)' : ''} on ${facts.os.prettyName ?? facts.os.id} ${facts.arch ?? facts.rawArch}` });
      for (const warning of [...loaded.warnings, ...(dryRun ? credentialProblems : [])]) {
        reporter.emit({ type: 'log', status: 'warn', message: warning });
      }
      assertJoinable(facts);
      if (!dryRun) lock = await acquireLock(ports.fs, env.io.pid);
      state = await StateStore.load(ports.fs);

      let preflightPassed = true;
      let preflightOutcomes: Awaited<ReturnType<typeof reportPreflight>>['outcomes'] = [];
      if (!loaded.config.skipPhases.includes('preflight')) {
        ({ passed: preflightPassed, outcomes: preflightOutcomes } = await reportPreflight(reporter, facts, loaded, ports, env.io.isRoot));
        if (!preflightPassed && !dryRun) throw preflightFailure(preflightOutcomes);
      }

      summary = await runSteps({
        steps: joinSteps(),
        context: { config: loaded.config, secrets: loaded.secrets, facts, ports, state, signal: env.io.signal },
        reporter,
        clock: ports.clock,
        dryRun,
        skipPhases: loaded.config.skipPhases,
        version: VERSION,
      });

      if (dryRun) {
        if (globals.output !== 'json') env.io.stdout.write(`\n${formatPlanText(summary.outcomes)}`);
        reporter.emit({ type: 'run-end', status: preflightPassed ? 'ok' : 'fail', durationMs: summary.durationMs, message: 'dry run finished: nothing was changed' });
        if (!preflightPassed) throw preflightFailure(preflightOutcomes);
        return;
      }
      const message = summary.changed === 0 ? 'join finished: no change (the host was already converged)' : `join finished: ${summary.changed} step${summary.changed === 1 ? '' : 's'} changed the host`;
      reporter.emit({ type: 'run-end', status: 'ok', durationMs: summary.durationMs, message });
    } catch (error) {
      reporter.emit({ type: 'run-end', status: 'failed', message: `join failed${isKjoinError(error) && error.step ? ` at step ${error.step}` : ''}` });
      if (!dryRun && state) {
        state.recordRun({
          command: 'join',
          startedAt,
          finishedAt: ports.clock.now().toISOString(),
          result: isKjoinError(error) && error.code === 'interrupted' ? 'interrupted' : 'failed',
          failedStep: isKjoinError(error) ? error.step : undefined,
          message: reporting.redact(isKjoinError(error) ? error.message : String(error)),
        });
        await state.save().catch(() => undefined);
      }
      throw error;
    } finally {
      // A converged re-run writes nothing, not even the run record (status reads the last run that did work).
      const previousOk = state?.snapshot.lastRun?.result === 'ok';
      if (!dryRun && state && summary && (summary.changed > 0 || !previousOk)) {
        state.recordRun({ command: 'join', startedAt, finishedAt: ports.clock.now().toISOString(), result: 'ok' });
        await state.save();
      }
      await lock?.release();
      await reporting.close();
    }
  });
}
