import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Phase } from '../../../src/engine/phases.js';
import { emptyPlan, type Step, type StepContext } from '../../../src/engine/step.js';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import { cniStep } from '../../../src/steps/cni.js';
import { kubeletStep } from '../../../src/steps/kubelet.js';
import { loadTestConfig, makeHarness } from './step-context.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function defer<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** Rejects after `ms` of real time, so a missing overlap fails the test instead of hanging it. */
function failAfter(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref());
}

/** Resolves once `condition` holds, polling between turns of the event loop (fails after `ms` of real time). */
async function waitUntil(condition: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = failAfter(ms, what);
  while (!condition()) await Promise.race([new Promise((resolve) => setImmediate(resolve)), deadline]);
}

/** A step needed until applied, whose apply is `work`. */
function makeStep(id: string, phase: Phase, work: (ctx: StepContext) => Promise<void>, prefetch?: (ctx: StepContext) => Promise<unknown>): Step {
  let applied = false;
  return {
    id,
    title: `step ${id}`,
    phase,
    plan: () => emptyPlan({ notes: [id] }),
    check: async () => (applied ? { status: 'done' } : { status: 'needed', reason: 'not yet' }),
    ...(prefetch ? { prefetch } : {}),
    apply: async (ctx) => {
      await work(ctx);
      applied = true;
    },
  };
}

let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('runner prefetch', () => {
  it("starts B's prefetch once A waits on its long work, and B's apply awaits the same task", async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const log: string[] = [];
    const prefetchStarted = defer();
    const downloadDone = defer();
    const fetchB = (ctx: StepContext) =>
      ctx.background.run('b-download', async () => {
        log.push('b:prefetch-start');
        prefetchStarted.resolve();
        await downloadDone.promise;
        log.push('b:prefetch-end');
        return 'b-bytes';
      });
    const a = makeStep('a', 'system', async (ctx) => {
      log.push('a:apply-start');
      // Nothing is fetched while A itself is busy: only once it waits on its long work (apt-get install).
      await new Promise((resolve) => setImmediate(resolve));
      log.push('a:long-wait');
      ctx.longWait();
      await Promise.race([prefetchStarted.promise, failAfter(2000, "B's prefetch")]);
      await ctx.ports.clock.sleep(30_000);
      log.push('a:apply-end');
      downloadDone.resolve();
    });
    const b = makeStep('b', 'runtime', async (ctx) => {
      log.push('b:apply-start');
      log.push(`b:apply-end ${await fetchB(ctx)}`);
    }, fetchB);

    const summary = await h.run([a, b]);

    expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([['a', 'ok'], ['b', 'ok']]);
    expect(log.slice(0, 3)).toEqual(['a:apply-start', 'a:long-wait', 'b:prefetch-start']);
    expect(log.indexOf('b:prefetch-start')).toBeLessThan(log.indexOf('a:apply-end'));
    expect(log.filter((entry) => entry === 'b:prefetch-start')).toHaveLength(1);
    expect(log.at(-1)).toBe('b:apply-end b-bytes');
    expect(summary.outcomes[0]!.durationMs).toBe(30_000);
  });

  it("surfaces a rejected prefetch as B's failure, never as an unhandled rejection", async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const fetchB = (ctx: StepContext) =>
      ctx.background.run('b-download', async () => {
        throw new Error('read ECONNRESET');
      });
    const applied: string[] = [];
    const a = makeStep('a', 'system', async () => {
      applied.push('a');
    });
    const b = makeStep('b', 'runtime', async (ctx) => {
      await fetchB(ctx);
      applied.push('b');
    }, fetchB);

    const error = (await h.run([a, b]).catch((e: unknown) => e)) as KjoinError;
    await new Promise((resolve) => setImmediate(resolve));

    expect(isKjoinError(error)).toBe(true);
    expect(error.step).toBe('b');
    expect(error.message).toBe('b: read ECONNRESET');
    expect(applied).toEqual(['a']);
    expect(h.events.filter((e) => e.type === 'step-end').map((e) => [e.step, e.status])).toEqual([['a', 'ok'], ['b', 'failed']]);
    expect(unhandled).toEqual([]);
  });

  it('fails the kubelet step, not the run start, when its prefetched download is refused', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    h.http.reply('https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet.sha256', { status: 404, body: 'not found' });
    const seenAtInstall: number[] = [];
    // The packages step is still installing when the kubelet step, which runs alongside it, downloads and fails.
    const packages = makeStep('packages', 'system', async (ctx) => {
      ctx.longWait();
      await waitUntil(() => h.events.some((e) => e.step === 'kubelet' && e.status === 'failed'), 'the kubelet step to fail');
      seenAtInstall.push(h.http.calls.length);
    });

    const error = (await h.run([packages, kubeletStep]).catch((e: unknown) => e)) as KjoinError;
    await new Promise((resolve) => setImmediate(resolve));

    expect(seenAtInstall[0]).toBeGreaterThan(0);
    expect(error.step).toBe('kubelet');
    expect(error.message).toContain('404');
    // The install was not abandoned: the run ended once it had finished.
    expect(h.events.filter((e) => e.type === 'step-end').map((e) => [e.step, e.status])).toEqual([['kubelet', 'failed'], ['packages', 'ok']]);
    expect(unhandled).toEqual([]);
  });

  it('downloads the kubelet once: prefetched while earlier steps run, reused by apply', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const url = 'https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet';
    h.http.serveArtifact(url, 'kubelet-binary');
    const seenAtA: string[][] = [];
    const a = makeStep('a', 'system', async (ctx) => {
      ctx.longWait();
      await waitUntil(() => h.http.calls.length > 0, 'the prefetched download');
      seenAtA.push(h.http.calls.map((c) => c.url));
    });

    await h.run([a, kubeletStep]);

    // the download (checksum first, then the body) was already under way while step a waited
    expect(seenAtA[0]).toContain(`${url}.sha256`);
    expect(h.http.calls.map((c) => c.url)).toEqual([`${url}.sha256`, url]);
  });

  it('starts no prefetch in a dry run', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const prefetch = vi.fn(async () => 'bytes');
    const b = makeStep('b', 'runtime', async () => undefined, prefetch);

    const summary = await h.run([b, cniStep, kubeletStep], { dryRun: true });

    expect(prefetch).not.toHaveBeenCalled();
    expect(h.http.calls).toEqual([]);
    expect(h.fs.writes).toEqual([]);
    expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([['b', 'needed'], ['cni', 'needed'], ['kubelet', 'needed']]);
  });

  it('starts no prefetch for a step whose phase is skipped, and leaves the decision to the others', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const prefetch = vi.fn(async () => 'bytes');
    const done: Step = { ...makeStep('done', 'runtime', async () => undefined, prefetch), check: async () => ({ status: 'done' }) };
    const skipped = makeStep('skipped', 'kubelet', async () => undefined, vi.fn(async () => 'never'));

    const summary = await h.run([done, skipped], { skipPhases: ['kubelet'] });

    expect(prefetch).toHaveBeenCalledTimes(1);
    expect(skipped.prefetch).not.toHaveBeenCalled();
    expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([['done', 'no-change'], ['skipped', 'skipped']]);
  });

  it('downloads nothing on a converged host: the real steps\' prefetches find their work in place', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    h.http.serveArtifact('https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet', 'kubelet-binary');
    await h.run([kubeletStep]);
    const calls = h.http.calls.length;

    expect((await h.run([kubeletStep])).outcomes.map((o) => o.status)).toEqual(['no-change']);
    expect(h.http.calls).toHaveLength(calls);
  });
});

describe('runner prefetch: regressions', () => {
  // Regression: a check() that threw while prefetches were starting escaped without its step's name.
  it('reports a check() failure during prefetch start as that step failing', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    const a = makeStep('a', 'system', async () => undefined);
    const b: Step = {
      ...makeStep('b', 'runtime', async () => undefined, async () => 'bytes'),
      check: async () => {
        throw new Error('EACCES: permission denied, open /var/lib/kjoin/state.json');
      },
    };

    const error = (await h.run([a, b]).catch((e: unknown) => e)) as KjoinError;

    expect(isKjoinError(error)).toBe(true);
    expect(error.step).toBe('b');
  });

  // Regression: the kubelet prefetch used to replace the installed binary before the kubelet step's turn.
  it('leaves the installed kubelet untouched when an earlier step fails', async () => {
    const h = makeHarness({ config: await loadTestConfig({ flags: { kubernetesVersion: '1.31.2' } }) });
    h.http.serveArtifact('https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet', 'kubelet v1.31.2');
    h.http.serveArtifact('https://dl.k8s.io/release/v1.31.4/bin/linux/amd64/kubelet', 'kubelet v1.31.4');
    await h.run([kubeletStep]);
    expect(await h.fs.readText('/usr/local/bin/kubelet')).toBe('kubelet v1.31.2');

    h.config = await loadTestConfig({ flags: { kubernetesVersion: '1.31.4' } });
    // The packages step fails before its install (the kubelet step waits for that), while the prefetch runs.
    const failing = makeStep('packages', 'system', async () => {
      throw new Error('apt-get update failed');
    });
    await expect(h.run([failing, kubeletStep])).rejects.toMatchObject({ step: 'packages' });

    expect(await h.fs.readText('/usr/local/bin/kubelet')).toBe('kubelet v1.31.2');
  });
});
