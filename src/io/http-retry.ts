import { KjoinError } from '../errors.js';
import type { Clock } from './clock.js';

export interface RetryPolicy {
  /** Total attempts, the first included (1 = no retry). */
  attempts: number;
  /** Ceiling of the first backoff; each further retry doubles it. */
  baseDelayMs: number;
  /** No backoff ever exceeds this, Retry-After included. */
  maxDelayMs: number;
}

/** 7.5 to 15 s of waiting over four retries: rides out a mirror restart or a brief outage, not a long one. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 15_000 };

/**
 * Backoff before retry number `retry` (1 = after the first failure): "equal jitter" — half the exponential
 * ceiling fixed, the other half random — so a fleet of nodes joining at once spreads its retries, while
 * each delay is still at least the previous ceiling (delays grow). A server's Retry-After is honoured up to
 * maxDelayMs. `random` returns [0, 1), like Math.random.
 */
export function computeBackoffMs(retry: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  if (retryAfterMs === undefined) return jittered;
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs));
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface RetryDecision {
  retry: boolean;
  retryAfterMs?: number;
}

export interface RetryRun {
  policy: RetryPolicy;
  clock: Clock;
  random: () => number;
  signal?: AbortSignal;
  /** What is being retried, for the interruption message ("GET https://..."). */
  what: string;
}

/**
 * Runs `attempt` until `decide` says the outcome is final or attempts run out, sleeping through the Clock
 * port between attempts (so tests with FakeClock run instantly). Never throws the attempt's error: it
 * returns the last outcome with the number of attempts made, for the caller to report. Throws an
 * 'interrupted' KjoinError if the signal fires.
 */
export async function runWithRetries<T>(
  run: RetryRun,
  attempt: (attemptNumber: number) => Promise<T>,
  decide: (outcome: Outcome<T>) => RetryDecision,
): Promise<{ outcome: Outcome<T>; attempts: number }> {
  const attempts = Math.max(1, Math.floor(run.policy.attempts));
  for (let n = 1; ; n++) {
    throwIfAborted(run);
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await attempt(n) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    throwIfAborted(run);
    const decision = decide(outcome);
    if (!decision.retry || n >= attempts) return { outcome, attempts: n };
    const delay = computeBackoffMs(n, run.policy, run.random, decision.retryAfterMs);
    try {
      await run.clock.sleep(delay, run.signal);
    } catch {
      throwIfAborted(run);
      throw new KjoinError('interrupted', `${run.what} interrupted while waiting to retry`);
    }
  }
}

function throwIfAborted(run: RetryRun): void {
  if (run.signal?.aborted) {
    throw new KjoinError('interrupted', `${run.what} interrupted`, {
      hint: 'run the same command again to resume',
    });
  }
}

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
