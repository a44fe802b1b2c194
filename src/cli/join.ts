import type { Command } from 'commander';
import { CONFIG_OPTIONS } from '../config/options.js';
import { renderConfigYaml } from '../config/render-config.js';
import { acquireLock, type Lock } from '../engine/lock.js';
import { formatPlanText } from '../engine/plan-text.js';
import { runSteps, type RunSummary } from '../engine/runner.js';
import { StateStore } from '../engine/state.js';
import { isKjoinError, KjoinError } from '../errors.js';
import { describeSupportedOs } from '../facts/os-support.js';
import type { Facts } from '../facts/types.js';
import { joinSteps } from '../steps/index.js';
import { VERSION } from '../version.js';
import { addTableOptions, describeEnvOnly } from './commander-options.js';
import { resolveProxy, type CommandEnv } from './command-env.js';
import { applyDiscovery, discoverCluster } from './discover.js';
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

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
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
    // Without the register phase (an install-only run) the control-plane settings are not needed yet.
    if (loaded.missing.length > 0 && !dryRun && !loaded.config.skipPhases.includes('register')) {
      throw new KjoinError('config', `joining needs ${plural(loaded.missing.length, 'more setting')}:`, {
        details: loaded.missing,
        hint: 'kjoin join --help lists every setting; secrets come from the environment or a 0600 file',
      });
    }

    const proxy = resolveProxy(env.io.env, loaded.config.proxy);
    const reporting = await openReporting({ env, globals, ports, logFile: loaded.config.logFile, secrets: loaded.secrets });
    const { reporter } = reporting;
    const startedAt = ports.clock.now().toISOString();
    let lock: Lock | null = null;
    let state: StateStore | null = null;
    let summary: RunSummary | null = null;
    let failure: unknown = null;
    try {
      reporter.emit({ type: 'run-start', message: `kjoin ${VERSION} join${dryRun ? ' (dry run)' : ''} on ${facts.os.prettyName ?? facts.os.id} ${facts.arch ?? facts.rawArch}` });
      for (const warning of [...loaded.warnings, ...(dryRun ? loaded.missing : [])]) reporter.emit({ type: 'log', status: 'warn', message: warning });
      assertJoinable(facts);
      if (!dryRun) lock = await acquireLock(ports.fs, env.io.pid);
      state = await StateStore.load(ports.fs);

      const preflight = loaded.config.skipPhases.includes('preflight') ? null : await reportPreflight(reporter, facts, loaded, ports, env.io.isRoot);
      // A dry run goes on to show the plan even when preflight failed; it still exits 3 at the end.
      if (preflight && !preflight.passed && !dryRun) throw preflightFailure(preflight.outcomes);

      const http = await ports.makeHttp(proxy);
      const registers = !loaded.config.skipPhases.includes('register');
      // Discovery needs the credentials; a dry run without them plans the rest and says what is missing.
      const cluster = registers && loaded.missing.length === 0
        ? await discoverCluster({ config: loaded.config, secrets: loaded.secrets, facts, http, fs: ports.fs, clock: ports.clock, reporter, signal: env.io.signal })
        : null;
      const config = { ...applyDiscovery(loaded.config, facts, cluster), proxy };
      summary = await runSteps({
        steps: joinSteps(),
        context: { config, secrets: loaded.secrets, facts, ports: { ...ports, http }, state, cluster, signal: env.io.signal },
        reporter,
        clock: ports.clock,
        dryRun,
        skipPhases: loaded.config.skipPhases,
        version: VERSION,
      });

      if (dryRun) {
        if (globals.output !== 'json') {
          env.io.stdout.write(`\nEffective configuration (secrets omitted):\n${renderConfigYaml(loaded.config, loaded.secrets)}\n${formatPlanText(summary.outcomes)}`);
        }
        if (preflight && !preflight.passed) throw preflightFailure(preflight.outcomes);
        reporter.emit({ type: 'run-end', status: 'ok', durationMs: summary.durationMs, message: 'dry run finished: nothing was changed' });
        return;
      }
      const message = summary.changed === 0 ? 'join finished: no change (the host was already converged)' : `join finished: ${plural(summary.changed, 'step')} changed the host`;
      // Peak RSS goes with every run's end: 1 GB VMs must still fit the kubelet, so kjoin's own footprint is watched.
      reporter.emit({ type: 'run-end', status: 'ok', durationMs: summary.durationMs, message, data: { maxRssKiB: process.resourceUsage().maxRSS } });
    } catch (error) {
      failure = error;
      const where = isKjoinError(error) && error.step ? ` at step ${error.step}` : '';
      reporter.emit({ type: 'run-end', status: 'failed', message: `${dryRun ? 'dry run' : 'join'} failed${where}: ${reporting.redact(isKjoinError(error) ? error.message : String(error))}` });
      throw error;
    } finally {
      if (!dryRun && state) await recordRun(state, summary, failure, startedAt, ports.clock.now(), reporting.redact);
      await lock?.release();
      await reporting.close();
    }
  });
}

/**
 * Records the run in state.json for `kjoin status`. A converged re-run after a successful one writes nothing,
 * so that re-running join on a converged host changes no file at all.
 */
async function recordRun(state: StateStore, summary: RunSummary | null, failure: unknown, startedAt: string, now: Date, redact: (t: string) => string): Promise<void> {
  const finishedAt = now.toISOString();
  if (failure === null) {
    if (summary && summary.changed === 0 && state.snapshot.lastRun?.result === 'ok') return;
    state.recordRun({ command: 'join', startedAt, finishedAt, result: 'ok' });
  } else {
    state.recordRun({
      command: 'join',
      startedAt,
      finishedAt,
      result: isKjoinError(failure) && failure.code === 'interrupted' ? 'interrupted' : 'failed',
      failedStep: isKjoinError(failure) ? failure.step : undefined,
      message: redact(isKjoinError(failure) ? failure.message : String(failure)),
    });
  }
  // Never let bookkeeping hide the real outcome of the run.
  await state.save().catch(() => undefined);
}
