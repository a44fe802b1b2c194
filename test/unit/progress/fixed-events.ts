/**
 * One fixed event sequence every renderer snapshot replays, so the views can be compared line for line.
 * Each entry says how long after the previous one it happens; replayFixedEvents moves a FakeClock that much
 * before emitting, so timestamps come from the bus exactly as in a real run.
 */
import type { EventInput, Reporter } from '../../../src/progress/events.js';
import type { FakeClock } from '../../../src/io/clock.js';

export const FIXED_START = '2026-11-22T10:00:00.000Z';

/** A real-shaped bootstrap token; the log line carrying it must come out redacted in every view. */
export const FIXED_TOKEN = 'k7x2pq.9f4c1b8e2d7a6c3f';

export const FIXED_EVENTS: ReadonlyArray<{ afterMs: number; event: EventInput }> = [
  { afterMs: 0, event: { type: 'run-start', message: 'joining worker-1 to https://10.0.0.1:6443' } },
  {
    afterMs: 200,
    event: {
      type: 'check',
      step: 'memory',
      phase: 'preflight',
      status: 'warn',
      message: '1.5 GiB memory, 2.0 GiB recommended',
      data: { hint: 'pods may be evicted under memory pressure; use a larger VM size' },
    },
  },
  { afterMs: 100, event: { type: 'log', message: `using bootstrap token ${FIXED_TOKEN}` } },
  { afterMs: 700, event: { type: 'step-start', step: 'containerd', phase: 'runtime', message: 'Install containerd' } },
  {
    afterMs: 1500,
    event: {
      type: 'step-progress',
      step: 'containerd',
      phase: 'runtime',
      message: 'downloading containerd-1.7.24-linux-amd64.tar.gz',
      data: { bytesDone: 12_582_912, bytesTotal: 28_000_000 },
    },
  },
  { afterMs: 1000, event: { type: 'log', step: 'containerd', phase: 'runtime', message: 'sha256 verified' } },
  {
    afterMs: 1600,
    event: {
      type: 'step-end',
      step: 'containerd',
      phase: 'runtime',
      status: 'ok',
      durationMs: 4100,
      message: 'containerd 1.7.24 installed',
    },
  },
  { afterMs: 10, event: { type: 'step-start', step: 'kernel-modules', phase: 'system', message: 'Load kernel modules' } },
  {
    afterMs: 120,
    event: {
      type: 'step-end',
      step: 'kernel-modules',
      phase: 'system',
      status: 'no-change',
      durationMs: 120,
      message: 'overlay and br_netfilter already loaded',
    },
  },
  { afterMs: 10, event: { type: 'step-start', step: 'kubelet', phase: 'kubelet', message: 'Install kubelet' } },
  {
    afterMs: 2300,
    event: {
      type: 'step-end',
      step: 'kubelet',
      phase: 'kubelet',
      status: 'failed',
      durationMs: 2300,
      message: 'sha256 mismatch for kubelet v1.31.2',
      data: { hint: 'check that --artifact-mirror serves the official dl.k8s.io files' },
    },
  },
  {
    afterMs: 5,
    event: { type: 'run-end', status: 'failed', durationMs: 7545, message: 'join failed at step kubelet' },
  },
];

/** Emits the fixed sequence, advancing the fake clock before each event. */
export function replayFixedEvents(reporter: Reporter, clock: FakeClock, upTo = FIXED_EVENTS.length): void {
  for (const { afterMs, event } of FIXED_EVENTS.slice(0, upTo)) {
    clock.advance(afterMs);
    reporter.emit(event);
  }
}
