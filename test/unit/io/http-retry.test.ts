import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { FakeClock } from '../../../src/io/clock.js';
import { computeBackoffMs, parseRetryAfter, runWithRetries, type RetryPolicy } from '../../../src/io/http-retry.js';

class RecordingClock extends FakeClock {
  readonly sleeps: number[] = [];
  override async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    await super.sleep(ms);
  }
}

const policy: RetryPolicy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 6000 };

describe('computeBackoffMs', () => {
  it('doubles the ceiling per retry and keeps the jitter in its upper half', () => {
    for (const [retry, ceiling] of [[1, 1000], [2, 2000], [3, 4000], [4, 6000], [9, 6000]] as const) {
      expect(computeBackoffMs(retry, policy, () => 0)).toBe(ceiling / 2);
      expect(computeBackoffMs(retry, policy, () => 0.999_999)).toBe(ceiling);
      expect(computeBackoffMs(retry, policy, () => 0.5)).toBe((ceiling * 3) / 4);
    }
  });

  it('honours Retry-After, but never past the maximum delay', () => {
    expect(computeBackoffMs(1, policy, () => 0, 3000)).toBe(3000);
    expect(computeBackoffMs(1, policy, () => 0, 100)).toBe(500);
    expect(computeBackoffMs(1, policy, () => 0, 3_600_000)).toBe(6000);
  });
});

describe('runWithRetries', () => {
  const run = (clock: FakeClock, signal?: AbortSignal) => ({ policy, clock, random: () => 0.5, signal, what: 'GET https://x/y' });

  it('retries while told to and sleeps a growing backoff through the clock', async () => {
    const clock = new RecordingClock();
    let calls = 0;
    const { outcome, attempts } = await runWithRetries(
      run(clock),
      async (n) => {
        calls++;
        if (n < 3) throw new Error(`fail ${n}`);
        return 'ok';
      },
      (result) => ({ retry: !result.ok }),
    );
    expect(outcome).toEqual({ ok: true, value: 'ok' });
    expect(attempts).toBe(3);
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([750, 1500]);
  });

  it('returns the last failure when attempts run out, and stops at once when not retryable', async () => {
    const clock = new RecordingClock();
    const exhausted = await runWithRetries(run(clock), async () => Promise.reject(new Error('down')), () => ({ retry: true }));
    expect(exhausted.attempts).toBe(5);
    expect(exhausted.outcome.ok).toBe(false);
    expect(clock.sleeps).toHaveLength(4);

    const final = await runWithRetries(run(new FakeClock()), async () => Promise.reject(new Error('404')), () => ({ retry: false }));
    expect(final.attempts).toBe(1);
  });

  it('throws an interrupted error when the signal fires', async () => {
    const controller = new AbortController();
    const error = await runWithRetries(
      run(new FakeClock(), controller.signal),
      async () => {
        controller.abort();
        throw new Error('reset');
      },
      () => ({ retry: true }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).code).toBe('interrupted');
    expect((error as KjoinError).message).toBe('GET https://x/y interrupted');
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
