import { describeError, isKjoinError, KjoinError } from '../errors.js';
import type { Clock } from '../io/clock.js';
import type { EventStatus, Reporter } from '../progress/events.js';
import { BackgroundTasks } from './background.js';
import { describePlan, type DescribedPlan } from './describe-plan.js';
import type { Phase } from './phases.js';
import type { Step, StepContext, StepReporter } from './step.js';

/**
 * The one runner: walks the ordered step list, calls check() before apply(), times each step, honours dry-run
 * (plan instead of apply) and skipped phases, stops at the first failure naming the step, and stops cleanly
 * between steps when the signal aborts (SIGINT/SIGTERM).
 *
 * A real run starts each step as soon as the steps it comes after (Step.after, by default every earlier step) have
 * finished, so a step that needs no package (the kubelet, the CNI plugins) runs while apt installs. After a failure
 * or an interrupt no step starts; those already running finish their current operation, and the run ends once they
 * have. A dry run plans the steps one by one, in list order.
 */

export type OutcomeStatus = Extract<EventStatus, 'ok' | 'no-change' | 'skipped' | 'needed' | 'done' | 'not-implemented' | 'failed'>;

export interface StepOutcome {
  id: string;
  title: string;
  phase: Phase;
  status: OutcomeStatus;
  durationMs: number;
  message?: string;
  plan?: DescribedPlan;
}

export interface RunSummary {
  outcomes: StepOutcome[];
  durationMs: number;
  /** Steps that changed the host. */
  changed: number;
}

export interface RunOptions {
  steps: readonly Step[];
  context: Omit<StepContext, 'reporter' | 'background' | 'signal' | 'longWait'> & { signal: AbortSignal };
  reporter: Reporter;
  clock: Clock;
  dryRun: boolean;
  skipPhases: readonly Phase[];
  /** kjoin's version, for the not-implemented message. */
  version: string;
}

/** What a step reports through: sub-progress and log lines stamped with the step's id and phase. */
export function createStepReporter(reporter: Reporter, step: Pick<Step, 'id' | 'phase'>): StepReporter {
  return {
    progress: (message, data) =>
      reporter.emit(data === undefined ? { type: 'step-progress', step: step.id, phase: step.phase, message } : { type: 'step-progress', step: step.id, phase: step.phase, message, data }),
    log: (message) => reporter.emit({ type: 'log', step: step.id, phase: step.phase, message }),
  };
}

export async function runSteps(options: RunOptions): Promise<RunSummary> {
  const { reporter, clock } = options;
  const runStart = clock.monotonicMs();
  const outcomes: StepOutcome[] = [];
  // Background work (prefetched downloads) stops when the run fails or is interrupted.
  const work = new AbortController();
  const interrupt = options.context.signal;
  const onInterrupt = () => work.abort(interrupt.reason);
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  const background = new BackgroundTasks();
  const contextFor = (step: Step, longWait: () => void = () => undefined): StepContext => ({
    ...options.context,
    signal: work.signal,
    background,
    reporter: createStepReporter(reporter, step),
    longWait,
  });
  const active = options.steps.filter((step) => !options.skipPhases.includes(step.phase));

  options.context.state.orderComponents(options.steps.map((step) => step.id));
  let prefetching = false;
  // Downloads start once the first step waits on its long outside work (apt) or ends: not while kjoin itself is
  // busy before it, which loading the HTTP client and hashing would only slow down.
  const startPrefetchesOnce = () => {
    if (prefetching || work.signal.aborted) return;
    prefetching = true;
    startPrefetches(active, contextFor);
  };
  try {
    if (options.dryRun) await planEach(options, contextFor, outcomes);
    else await applyAsSoonAsReady(options, contextFor, outcomes, { stopBackground: (error) => work.abort(error), idle: startPrefetchesOnce });
  } catch (error) {
    work.abort(error);
    throw error;
  } finally {
    interrupt.removeEventListener('abort', onInterrupt);
    await background.settle();
  }

  const durationMs = Math.round(clock.monotonicMs() - runStart);
  return { outcomes, durationMs, changed: outcomes.filter((o) => o.status === 'ok').length };
}

/** A dry run plans every step even past a failing one, so the operator sees all problems at once. */
async function planEach(options: RunOptions, contextFor: (step: Step) => StepContext, outcomes: StepOutcome[]): Promise<void> {
  let firstFailure: unknown = null;
  for (const step of options.steps) {
    if (options.context.signal.aborted) throw interrupted(outcomes);
    try {
      outcomes.push(await runOne(step, contextFor(step), options));
    } catch (error) {
      firstFailure ??= error;
      outcomes.push({ id: step.id, title: step.title, phase: step.phase, status: 'failed', durationMs: 0, message: (error as Error).message });
    }
  }
  if (firstFailure) throw firstFailure;
}

/**
 * Starts each step once the steps it comes after have finished. The first failure (or an interrupt) keeps every
 * step not yet started from starting and stops background downloads; the run waits for the running steps, then
 * throws it. Outcomes are kept in list order whatever order the steps finished in.
 */
async function applyAsSoonAsReady(
  options: RunOptions,
  contextFor: (step: Step, longWait: () => void) => StepContext,
  outcomes: StepOutcome[],
  hooks: { stopBackground: (error: unknown) => void; idle: () => void },
): Promise<void> {
  const byId = new Map<string, StepOutcome>();
  const finished = new Map<string, Promise<void>>();
  // Resolved when a step calls longWait(), or ends (whether it ran, failed or never started).
  const waiting = new Map<string, Promise<void>>();
  const completed: StepOutcome[] = [];
  const failures: unknown[] = [];
  for (const [index, step] of options.steps.entries()) {
    // A step named but not in this run (a run of some steps only) is not waited for.
    const after = (step.after ?? options.steps.slice(0, index).map((previous) => previous.id)).map((id) => finished.get(id));
    if (step.alongside) after.push(waiting.get(step.alongside));
    let resolveWaiting!: () => void;
    waiting.set(step.id, new Promise<void>((resolve) => (resolveWaiting = resolve)));
    const longWait = () => {
      resolveWaiting();
      hooks.idle();
    };
    const run = async (): Promise<void> => {
      await Promise.all(after);
      if (failures.length) return;
      if (options.context.signal.aborted) {
        failures.push(interrupted(completed));
        return;
      }
      try {
        const outcome = await runOne(step, contextFor(step, longWait), options);
        byId.set(step.id, outcome);
        completed.push(outcome);
      } catch (error) {
        // The running steps' downloads stop now; their other work ends at its current operation.
        if (!failures.length) hooks.stopBackground(error);
        failures.push(error);
      }
    };
    finished.set(step.id, run().finally(longWait));
  }
  await Promise.all(finished.values());
  for (const step of options.steps) {
    const outcome = byId.get(step.id);
    if (outcome) outcomes.push(outcome);
  }
  if (failures.length) throw failures[0];
}

/** Starts the prefetch of every step in the run; each one decides itself whether its step needs anything. */
function startPrefetches(steps: readonly Step[], contextFor: (step: Step) => StepContext): void {
  for (const step of steps) {
    if (!step.prefetch || step.implemented === false) continue;
    // A prefetch that fails here fails again, with the step's name and hint, when the step's apply awaits it.
    void step.prefetch(contextFor(step)).catch(() => undefined);
  }
}

async function runOne(step: Step, ctx: StepContext, options: RunOptions): Promise<StepOutcome> {
  const { reporter, clock } = options;
  const started = clock.monotonicMs();
  const finish = (status: OutcomeStatus, message?: string, plan?: DescribedPlan, hint?: string): StepOutcome => {
    const outcome: StepOutcome = { id: step.id, title: step.title, phase: step.phase, status, durationMs: Math.round(clock.monotonicMs() - started), message, plan };
    reporter.emit({
      type: plan ? 'plan' : 'step-end',
      step: step.id,
      phase: step.phase,
      status,
      durationMs: outcome.durationMs,
      message: message ?? step.title,
      data: plan ? { ...plan } : hint ? { hint } : undefined,
    });
    return outcome;
  };

  if (options.skipPhases.includes(step.phase)) return finish('skipped', `${step.title} (phase ${step.phase} skipped)`);

  try {
    if (options.dryRun) {
      const implemented = step.implemented !== false;
      const check = implemented ? await step.check(ctx) : { status: 'needed' as const, reason: 'not implemented in this release' };
      const plan = await describePlan(await step.plan(ctx), ctx.ports.fs);
      const status: OutcomeStatus = !implemented ? 'not-implemented' : check.status;
      return finish(status, check.reason ? `${step.title}: ${check.reason}` : step.title, plan);
    }

    if (step.implemented === false) {
      throw new KjoinError('step-failed', `step ${step.id} (${step.title}) is not implemented in kjoin ${options.version}`, {
        step: step.id,
        hint: `run kjoin join --dry-run to see the plan, or --skip-phases ${step.phase} to stop before it`,
      });
    }
    const check = await step.check(ctx);
    if (check.status === 'done') return finish('no-change', `${step.title}: no change${check.reason ? ` (${check.reason})` : ''}`);
    reporter.emit({ type: 'step-start', step: step.id, phase: step.phase, message: step.title });
    const result = await step.apply(ctx);
    await ctx.state.save();
    return finish('ok', result?.message ?? step.title);
  } catch (error) {
    const failure = asStepFailure(error, step);
    finish('failed', failure.message, undefined, failure.hint);
    throw failure;
  }
}

function asStepFailure(error: unknown, step: Step): KjoinError {
  if (isKjoinError(error)) {
    if (error.step) return error;
    return new KjoinError(error.code, error.message, { hint: error.hint, cause: error.cause, details: error.details, step: step.id });
  }
  return new KjoinError('step-failed', `${step.id}: ${describeError(error)}`, {
    step: step.id,
    cause: error,
    hint: `see /var/log/kjoin.log; fix the cause and run kjoin join again (finished steps are not repeated)`,
  });
}

function interrupted(outcomes: StepOutcome[]): KjoinError {
  const last = outcomes.at(-1);
  return new KjoinError('interrupted', `interrupted${last ? ` after step ${last.id}` : ' before the first step'}`, {
    hint: 'run the same kjoin join command again to resume: finished steps are checked and not repeated',
  });
}
