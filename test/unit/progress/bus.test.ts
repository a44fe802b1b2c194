import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/io/clock.js';
import { EventBus } from '../../../src/progress/bus.js';
import type { KjoinEvent, Renderer } from '../../../src/progress/events.js';
import { Redactor } from '../../../src/progress/redact.js';
import { createStepReporter } from '../../../src/engine/runner.js';

class RecordingRenderer implements Renderer {
  readonly events: KjoinEvent[] = [];
  closed = 0;

  handle(event: KjoinEvent): void {
    this.events.push(event);
  }

  close(): void {
    this.closed += 1;
  }
}

class ThrowingRenderer implements Renderer {
  calls = 0;

  handle(): void {
    this.calls += 1;
    throw new Error('EPIPE: broken pipe, write with token k7x2pq.9f4c1b8e2d7a6c3f\n    at Socket.write');
  }

  async close(): Promise<void> {
    throw new Error('close failed');
  }
}

function makeBus(renderers: Renderer[], clock = new FakeClock('2026-11-22T10:00:00.000Z')) {
  const redactor = new Redactor();
  return { bus: new EventBus({ clock, redactor, renderers }), clock, redactor };
}

describe('EventBus', () => {
  it('stamps each event with the clock time and fans it out to every renderer', () => {
    const a = new RecordingRenderer();
    const b = new RecordingRenderer();
    const { bus, clock } = makeBus([a, b]);
    bus.emit({ type: 'run-start', message: 'joining' });
    clock.advance(1500);
    bus.emit({ type: 'run-end', status: 'ok', durationMs: 1500, message: 'joined' });

    expect(a.events.map((e) => e.ts)).toEqual(['2026-11-22T10:00:00.000Z', '2026-11-22T10:00:01.500Z']);
    expect(b.events).toEqual(a.events);
    expect(a.events[1]).toMatchObject({ type: 'run-end', status: 'ok', durationMs: 1500, message: 'joined' });
  });

  it('redacts before any renderer sees the event', () => {
    const seen = new RecordingRenderer();
    const { bus, redactor } = makeBus([seen]);
    redactor.addSecret('scw-3f1e9a77-secret');
    bus.emit({ type: 'log', message: 'auth with scw-3f1e9a77-secret', data: { header: 'X-Auth-Token: scw-3f1e9a77-secret' } });
    expect(JSON.stringify(seen.events)).not.toContain('scw-3f1e9a77-secret');
    expect(seen.events[0]?.message).toBe('auth with [REDACTED]');
  });

  it('keeps feeding the other renderers when one throws, and remembers the failure once, redacted', async () => {
    const before = new RecordingRenderer();
    const broken = new ThrowingRenderer();
    const after = new RecordingRenderer();
    const { bus } = makeBus([before, broken, after]);
    bus.emit({ type: 'log', message: 'one' });
    bus.emit({ type: 'log', message: 'two' });

    expect(before.events.map((e) => e.message)).toEqual(['one', 'two']);
    expect(after.events.map((e) => e.message)).toEqual(['one', 'two']);
    expect(broken.calls).toBe(2);
    expect(bus.failures()).toEqual([
      { renderer: 'ThrowingRenderer', message: 'EPIPE: broken pipe, write with token [REDACTED]' },
    ]);

    await expect(bus.close()).resolves.toBeUndefined();
    expect(before.closed).toBe(1);
    expect(after.closed).toBe(1);
  });

  it('a step reporter stamps step id and phase on progress and log events', () => {
    const seen = new RecordingRenderer();
    const { bus } = makeBus([seen]);
    bus.attach(new RecordingRenderer());
    const reporter = createStepReporter(bus, { id: 'containerd', phase: 'runtime' });
    reporter.progress('downloading', { bytesDone: 10, bytesTotal: 100 });
    reporter.progress('unpacking');
    reporter.log('sha256 verified');

    expect(seen.events.map(({ ts: _ts, ...rest }) => rest)).toEqual([
      { type: 'step-progress', step: 'containerd', phase: 'runtime', message: 'downloading', data: { bytesDone: 10, bytesTotal: 100 } },
      { type: 'step-progress', step: 'containerd', phase: 'runtime', message: 'unpacking' },
      { type: 'log', step: 'containerd', phase: 'runtime', message: 'sha256 verified' },
    ]);
    expect('data' in seen.events[1]!).toBe(false);
  });

  it('closes renderers attached later too', async () => {
    const late = new RecordingRenderer();
    const { bus } = makeBus([]);
    bus.attach(late);
    bus.emit({ type: 'log', message: 'x' });
    await bus.close();
    expect(late.events).toHaveLength(1);
    expect(late.closed).toBe(1);
  });
});
