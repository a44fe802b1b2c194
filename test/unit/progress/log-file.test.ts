import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/io/clock.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { EventBus } from '../../../src/progress/bus.js';
import { DEFAULT_LOG_PATH, LogFileRenderer } from '../../../src/progress/log-file.js';
import { Redactor } from '../../../src/progress/redact.js';
import { PlainRenderer } from '../../../src/progress/render-plain.js';
import { CaptureSink } from './fake-terminal.js';
import { FIXED_EVENTS, FIXED_START, FIXED_TOKEN, replayFixedEvents } from './fixed-events.js';

/** A file system whose appends fail like /var/log does for a non-root user. */
class ReadOnlyLogFileSystem extends MemoryFileSystem {
  appends = 0;

  override async append(): Promise<void> {
    this.appends += 1;
    throw Object.assign(new Error("EACCES: permission denied, open '/var/log/kjoin.log'"), { code: 'EACCES' });
  }
}

/** Lets queued in-memory appends land (they resolve on the microtask queue). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function replayInto(fs: MemoryFileSystem, upTo?: number) {
  const clock = new FakeClock(FIXED_START);
  const redactor = new Redactor();
  redactor.addSecret(FIXED_TOKEN);
  const log = new LogFileRenderer({ fs });
  const plain = new CaptureSink();
  const bus = new EventBus({ clock, redactor, renderers: [log, new PlainRenderer(plain)] });
  replayFixedEvents(bus, clock, upTo);
  return { bus, log, plain, clock };
}

describe('LogFileRenderer', () => {
  it('writes the same lines as the plain view to a 0600 file, without the secret', async () => {
    const fs = new MemoryFileSystem();
    const { bus, log, plain } = replayInto(fs);
    await bus.close();

    const stat = await fs.stat(DEFAULT_LOG_PATH);
    expect(stat?.mode).toBe(0o600);
    const text = await fs.readText(DEFAULT_LOG_PATH);
    expect(text).toBe(plain.text);
    expect(text).toContain('kjoin: using bootstrap token [REDACTED]');
    expect(text).not.toContain(FIXED_TOKEN);
    expect(text).not.toContain(FIXED_TOKEN.split('.')[1]);
    expect(log.warning).toBeNull();
  });

  it('flushes at each step end, before close', async () => {
    const fs = new MemoryFileSystem();
    const firstEnd = FIXED_EVENTS.findIndex(({ event }) => event.type === 'step-end');
    const { bus, clock } = replayInto(fs, firstEnd);
    await settle();
    expect(await fs.exists(DEFAULT_LOG_PATH)).toBe(false); // still buffered: no step has ended

    const { afterMs, event } = FIXED_EVENTS[firstEnd]!;
    clock.advance(afterMs);
    bus.emit(event);
    await settle();
    const lines = (await fs.readText(DEFAULT_LOG_PATH)).trimEnd().split('\n');
    expect(lines).toHaveLength(firstEnd + 2); // the check's hint is a line of its own
    expect(lines.at(-1)).toBe('[2026-11-22T10:00:05Z] containerd: containerd 1.7.24 installed (4.1s) [OK]');
    await bus.close();
  });

  it('appends to an existing log without loosening or changing its mode', async () => {
    const fs = new MemoryFileSystem({ [DEFAULT_LOG_PATH]: { content: 'earlier run\n', mode: 0o600 } });
    const { bus } = replayInto(fs, 1);
    await bus.close();
    const text = await fs.readText(DEFAULT_LOG_PATH);
    expect(text).toBe('earlier run\n[2026-11-22T10:00:00Z] kjoin: joining worker-1 to https://10.0.0.1:6443\n');
    expect((await fs.stat(DEFAULT_LOG_PATH))?.mode).toBe(0o600);
  });

  it('never throws into the run when the log is unwritable, and says so once', async () => {
    const fs = new ReadOnlyLogFileSystem();
    const { bus, log, plain } = replayInto(fs);
    await expect(bus.close()).resolves.toBeUndefined();

    expect(plain.lines()).toHaveLength(14); // the chosen view got the whole run
    expect(fs.appends).toBe(1); // gave up after the first failure
    expect(log.warning).toBe(
      "cannot write the log file /var/log/kjoin.log (EACCES: permission denied, open '/var/log/kjoin.log'); this run is not logged there",
    );
    expect(bus.failures()).toEqual([]);
  });
});
