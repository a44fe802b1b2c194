export interface Clock {
  now(): Date;
  /** Monotonic milliseconds, for durations. */
  monotonicMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A clock that only moves when told to (or by each sleep), for deterministic tests and snapshots. */
export class FakeClock implements Clock {
  private current: number;
  private mono = 0;
  /** Milliseconds added to the monotonic clock on every monotonicMs() call (simulates work taking time). */
  stepMs: number;

  constructor(start = '2026-11-22T10:00:00.000Z', stepMs = 0) {
    this.current = Date.parse(start);
    this.stepMs = stepMs;
  }

  now(): Date {
    return new Date(this.current + this.mono);
  }

  monotonicMs(): number {
    this.mono += this.stepMs;
    return this.mono;
  }

  advance(ms: number): void {
    this.mono += ms;
  }

  async sleep(ms: number): Promise<void> {
    this.mono += ms;
  }
}
