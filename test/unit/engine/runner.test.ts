import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { runSteps } from '../../../src/engine/runner.js';
import { StateStore } from '../../../src/engine/state.js';
import { emptyPlan, type Step, type StepContext } from '../../../src/engine/step.js';
import { KjoinError } from '../../../src/errors.js';
import type { Facts } from '../../../src/facts/types.js';
import { FakeClock } from '../../../src/io/clock.js';
import { FakeExec } from '../../../src/io/exec.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { FakeHttp } from '../../../src/io/http.js';
import { FakeSystemd } from '../../../src/platform/fake-systemd.js';
import type { EventInput } from '../../../src/progress/events.js';
import { pendingStep } from '../../../src/steps/pending.js';

const config = {} as ResolvedConfig;
const facts = {} as Facts;

function setup() {
  const fs = new MemoryFileSystem();
  const clock = new FakeClock('2026-11-22T10:00:00.000Z', 0);
  const events: EventInput[] = [];
  const reporter = { emit: (e: EventInput) => events.push(e) };
  const state = StateStore.empty(fs);
  const controller = new AbortController();
  const context: Omit<StepContext, 'reporter' | 'background' | 'longWait'> = {
    config,
    secrets: {},
    facts,
    ports: { fs, exec: new FakeExec(), clock, http: new FakeHttp(fs), systemd: new FakeSystemd() },
    state,
    cluster: null,
    signal: controller.signal,
  };
  return { fs, clock, events, reporter, state, controller, context };
}

/** A step that writes one file and is done when the file has the wanted content. */
function fileStep(id: string, path: string, content: string, log: string[]): Step {
  return {
    id,
    title: `write ${path}`,
    phase: 'system',
    plan: () => emptyPlan({ files: [{ path, mode: 0o644, content }] }),
    check: async (ctx) => ((await ctx.ports.fs.readTextOrNull(path)) === content ? { status: 'done' } : { status: 'needed', reason: 'content differs' }),
    apply: async (ctx) => {
      log.push(id);
      ctx.reporter.progress('writing', { bytesDone: 1, bytesTotal: 2 });
      (ctx.ports.clock as FakeClock).advance(1500);
      await ctx.ports.fs.writeAtomic(path, content, 0o644);
      return { message: `wrote ${path}` };
    },
  };
}

describe('runSteps', () => {
  it('applies needed steps in order, times them, and reports no change on a converged re-run', async () => {
    const s = setup();
    const applied: string[] = [];
    const steps = [fileStep('a', '/etc/a', 'A\n', applied), fileStep('b', '/etc/b', 'B\n', applied)];
    const first = await runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: [], version: 't' });
    expect(applied).toEqual(['a', 'b']);
    expect(first.changed).toBe(2);
    expect(first.outcomes.map((o) => [o.id, o.status, o.durationMs])).toEqual([
      ['a', 'ok', 1500],
      ['b', 'ok', 1500],
    ]);
    const progress = s.events.find((e) => e.type === 'step-progress');
    expect(progress).toMatchObject({ step: 'a', phase: 'system', data: { bytesDone: 1 } });
    // state is saved after each applied step
    expect(await s.fs.readTextOrNull('/var/lib/kjoin/state.json')).toContain('"version": 1');

    s.events.length = 0;
    const writesBefore = s.fs.writes.length;
    const second = await runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: [], version: 't' });
    expect(applied).toEqual(['a', 'b']);
    expect(second.changed).toBe(0);
    expect(second.outcomes.every((o) => o.status === 'no-change')).toBe(true);
    expect(s.fs.writes.length).toBe(writesBefore);
    expect(s.events.filter((e) => e.type === 'step-end').map((e) => e.message)).toEqual(['write /etc/a: no change', 'write /etc/b: no change']);
  });

  it('dry-run plans instead of applying and changes nothing', async () => {
    const s = setup();
    s.fs.put('/etc/b', 'old\n');
    const applied: string[] = [];
    const steps = [fileStep('a', '/etc/a', 'A\n', applied), fileStep('b', '/etc/b', 'B\n', applied), pendingStep('later', 'Later work', 'start', 'does later work')];
    const summary = await runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: true, skipPhases: [], version: 't' });
    expect(applied).toEqual([]);
    expect(s.fs.writes).toEqual([]);
    expect(summary.outcomes.map((o) => o.status)).toEqual(['needed', 'needed', 'not-implemented']);
    const [a, b] = summary.outcomes;
    expect(a!.plan!.files[0]).toMatchObject({ path: '/etc/a', mode: '0644', action: 'create', content: 'A\n' });
    expect(b!.plan!.files[0]!.action).toBe('update');
    expect(b!.plan!.files[0]!.diff).toContain('-old');
    expect(b!.plan!.files[0]!.diff).toContain('+B');
    expect(s.events.filter((e) => e.type === 'plan')).toHaveLength(3);
  });

  it('stops at the first failure naming the step, with a hint, and does not run later steps', async () => {
    const s = setup();
    const applied: string[] = [];
    const failing: Step = { ...fileStep('boom', '/etc/x', 'x', applied), apply: async () => { throw new Error('disk full\nsecond line'); } };
    const steps = [failing, fileStep('after', '/etc/after', 'y', applied)];
    const run = runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: [], version: 't' });
    await expect(run).rejects.toMatchObject({ code: 'step-failed', step: 'boom', message: 'boom: disk full' });
    await expect(run).rejects.toHaveProperty('hint');
    expect(applied).toEqual([]);
    expect(s.events.at(-1)).toMatchObject({ type: 'step-end', step: 'boom', status: 'failed' });
  });

  it('keeps the code of a KjoinError raised by a step', async () => {
    const s = setup();
    const refused: Step = { ...fileStep('register', '/etc/x', 'x', []), apply: async () => { throw new KjoinError('refused', 'token refused'); } };
    await expect(runSteps({ steps: [refused], context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: [], version: 't' })).rejects.toMatchObject({ code: 'refused', step: 'register', exitCode: 4 });
  });

  it('skips phases and refuses to apply a not-implemented step', async () => {
    const s = setup();
    const applied: string[] = [];
    const steps = [fileStep('a', '/etc/a', 'A', applied), pendingStep('later', 'Later work', 'start', 'x')];
    const skipped = await runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: ['system', 'start'], version: 't' });
    expect(skipped.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped']);
    expect(applied).toEqual([]);
    await expect(runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: [], version: '9.9' })).rejects.toMatchObject({
      code: 'step-failed',
      step: 'later',
      message: expect.stringContaining('not implemented in kjoin 9.9'),
    });
    expect(applied).toEqual(['a']);
  });

  it('stops between steps when interrupted and says how to resume', async () => {
    const s = setup();
    const applied: string[] = [];
    const first = fileStep('a', '/etc/a', 'A', applied);
    const interrupting: Step = { ...first, apply: async (ctx) => { await first.apply(ctx); s.controller.abort(); } };
    const steps = [interrupting, fileStep('b', '/etc/b', 'B', applied)];
    const run = runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: [], version: 't' });
    await expect(run).rejects.toMatchObject({ code: 'interrupted', exitCode: 130, message: 'interrupted after step a' });
    await expect(run).rejects.toHaveProperty('hint', expect.stringContaining('again to resume'));
    expect(applied).toEqual(['a']);
    expect(await s.fs.readTextOrNull('/etc/a')).toBe('A');
  });
});

/** A step whose apply runs `work`; needed until applied. */
function workStep(id: string, work: (ctx: StepContext) => Promise<void>, order: Pick<Step, 'after' | 'alongside'> = {}): Step {
  let applied = false;
  return {
    id,
    title: `step ${id}`,
    phase: 'system',
    ...order,
    plan: () => emptyPlan(),
    check: async () => (applied ? { status: 'done' } : { status: 'needed' }),
    apply: async (ctx) => {
      await work(ctx);
      applied = true;
    },
  };
}

/** A promise and its resolve; a test that never resolves it fails on vitest's timeout instead of passing. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('runSteps: steps side by side', () => {
  const run = (s: ReturnType<typeof setup>, steps: Step[]) => runSteps({ steps, context: s.context, reporter: s.reporter, clock: s.clock, dryRun: false, skipPhases: [], version: 't' });

  it('starts a step alongside another once that one waits, and the steps after them once both are done', async () => {
    const s = setup();
    const log: string[] = [];
    const installed = signal();
    const steps = [
      workStep('packages', async (ctx) => {
        log.push('packages: before apt');
        await turn();
        ctx.longWait();
        log.push('packages: waiting on apt');
        // apt finishes only once the kubelet step has run beside it: a runner that waits here never gets there.
        await installed.promise;
        log.push('packages: done');
      }),
      workStep('kernel', async () => void log.push('kernel')),
      workStep('kubelet', async () => {
        log.push('kubelet');
        installed.fire();
      }, { after: [], alongside: 'packages' }),
      workStep('register', async () => void log.push('register')),
    ];

    const summary = await run(s, steps);

    expect(log).toEqual(['packages: before apt', 'packages: waiting on apt', 'kubelet', 'packages: done', 'kernel', 'register']);
    // Outcomes keep the list's order whatever order the steps ended in; the events say what happened when.
    expect(summary.outcomes.map((o) => o.id)).toEqual(['packages', 'kernel', 'kubelet', 'register']);
    expect(s.events.filter((e) => e.type === 'step-end').map((e) => e.step)).toEqual(['kubelet', 'packages', 'kernel', 'register']);
  });

  it('starts the step alongside after the other ends when it never waits (nothing to install)', async () => {
    const s = setup();
    const log: string[] = [];
    const steps = [
      workStep('packages', async () => {
        log.push('packages');
        await turn();
        log.push('packages: done');
      }),
      workStep('kubelet', async () => void log.push('kubelet'), { after: [], alongside: 'packages' }),
    ];
    await run(s, steps);
    expect(log).toEqual(['packages', 'packages: done', 'kubelet']);
  });

  it('after a failure starts nothing more, lets the running step finish, then throws the failure', async () => {
    const s = setup();
    const log: string[] = [];
    const kubeletFailed = signal();
    const steps = [
      workStep('packages', async (ctx) => {
        ctx.longWait();
        await kubeletFailed.promise;
        await turn();
        log.push('packages: done');
      }),
      workStep('kernel', async () => void log.push('kernel')),
      workStep('kubelet', async () => {
        kubeletFailed.fire();
        throw new Error('kubelet.sha256 does not match');
      }, { after: [], alongside: 'packages' }),
    ];

    await expect(run(s, steps)).rejects.toMatchObject({ step: 'kubelet', message: 'kubelet: kubelet.sha256 does not match' });

    expect(log).toEqual(['packages: done']);
    expect(s.events.filter((e) => e.type === 'step-end').map((e) => [e.step, e.status])).toEqual([['kubelet', 'failed'], ['packages', 'ok']]);
    expect(s.events.some((e) => e.step === 'kernel')).toBe(false);
    // What the finished step did is on record.
    expect(await s.fs.readTextOrNull('/var/lib/kjoin/state.json')).not.toBeNull();
  });

  it('when interrupted lets the running steps finish and starts no other', async () => {
    const s = setup();
    const log: string[] = [];
    const steps = [
      workStep('packages', async (ctx) => {
        ctx.longWait();
        await turn();
        s.controller.abort();
        await turn();
        log.push('packages: done');
      }),
      workStep('kernel', async () => void log.push('kernel')),
      workStep('kubelet', async () => {
        await turn();
        await turn();
        log.push('kubelet: done');
      }, { after: [], alongside: 'packages' }),
    ];

    await expect(run(s, steps)).rejects.toMatchObject({ code: 'interrupted', hint: expect.stringContaining('again to resume') });
    expect(log.sort()).toEqual(['kubelet: done', 'packages: done']);
  });
});
