import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../src/io/clock.js';
import { EventBus } from '../../../src/progress/bus.js';
import { Redactor } from '../../../src/progress/redact.js';
import { TtyRenderer, type TtyRendererOptions } from '../../../src/progress/render-tty.js';
import { CaptureSink, FakeTerminal } from './fake-terminal.js';
import { FIXED_EVENTS, FIXED_START, FIXED_TOKEN, replayFixedEvents } from './fixed-events.js';

function makeRun(options: TtyRendererOptions) {
  const clock = new FakeClock(FIXED_START);
  const renderer = new TtyRenderer(options);
  const bus = new EventBus({ clock, redactor: new Redactor(), renderers: [renderer] });
  return { clock, renderer, bus };
}

const PROGRESS_INDEX = FIXED_EVENTS.findIndex(({ event }) => event.type === 'step-progress');

afterEach(() => {
  vi.useRealTimers();
});

describe('TtyRenderer without animation (ora isEnabled false)', () => {
  it('prints "- title" when a step starts and one symbol line when it ends', async () => {
    const sink = new CaptureSink(false);
    const { clock, bus } = makeRun({ stream: sink, interactive: false, color: false });
    replayFixedEvents(bus, clock);
    await bus.close();

    expect(sink.text).not.toContain(FIXED_TOKEN);
    expect(sink.text).toMatchInlineSnapshot(`
      "joining worker-1 to https://10.0.0.1:6443
      ⚠ 1.5 GiB memory, 2.0 GiB recommended
        hint: pods may be evicted under memory pressure; use a larger VM size
      using bootstrap token [REDACTED]
      - Install containerd
        sha256 verified
      ✔ Install containerd: containerd 1.7.24 installed (4.1s)
      - Load kernel modules
      ℹ Load kernel modules: overlay and br_netfilter already loaded (no change, 0.1s)
      - Install kubelet
      ✖ Install kubelet: sha256 mismatch for kubelet v1.31.2 (2.3s)
        hint: check that --artifact-mirror serves the official dl.k8s.io files
      ✖ join failed at step kubelet (7.5s)
      "
    `);
  });

  it('colours symbols only when asked, with the same text underneath', () => {
    const plain = new CaptureSink(false);
    const coloured = new CaptureSink(false);
    for (const stream of [plain, coloured]) {
      const { clock, bus } = makeRun({ stream, interactive: false, color: stream === coloured });
      replayFixedEvents(bus, clock);
    }
    expect(plain.text).not.toContain('\u001B[');
    expect(coloured.text).toContain('\u001B[32m✔\u001B[39m');
    expect(stripVTControlCharacters(coloured.text)).toBe(plain.text);
  });

  it('falls back to ASCII symbols for consoles without the glyphs', () => {
    const sink = new CaptureSink(false);
    const { clock, bus } = makeRun({ stream: sink, interactive: false, color: false, unicode: false });
    replayFixedEvents(bus, clock);
    expect(sink.lines()).toContain('√ Install containerd: containerd 1.7.24 installed (4.1s)');
    expect(sink.lines()).toContain('× Install kubelet: sha256 mismatch for kubelet v1.31.2 (2.3s)');
  });
});

describe('TtyRenderer on a terminal (ora isEnabled true)', () => {
  it('shows the running step with its latest progress, then replaces the spinner by the result', async () => {
    vi.useFakeTimers({ now: Date.parse(FIXED_START) });
    const term = new FakeTerminal();
    const { clock, bus } = makeRun({ stream: term, interactive: true, color: false });

    replayFixedEvents(bus, clock, PROGRESS_INDEX + 1);
    vi.advanceTimersByTime(80); // one spinner frame: ora redraws with the new text
    expect(term.view()).toMatchInlineSnapshot(`
      "joining worker-1 to https://10.0.0.1:6443
      ⚠ 1.5 GiB memory, 2.0 GiB recommended
        hint: pods may be evicted under memory pressure; use a larger VM size
      using bootstrap token [REDACTED]
      ⠙ Install containerd: downloading containerd-1.7.24-linux-amd64.tar.gz 44% (12.0 MiB/26.7 MiB)"
    `);

    // The rest of the run, starting after the progress event.
    for (const { afterMs, event } of FIXED_EVENTS.slice(PROGRESS_INDEX + 1)) {
      clock.advance(afterMs);
      bus.emit(event);
      vi.advanceTimersByTime(80);
    }
    await bus.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(term.view()).toMatchInlineSnapshot(`
      "joining worker-1 to https://10.0.0.1:6443
      ⚠ 1.5 GiB memory, 2.0 GiB recommended
        hint: pods may be evicted under memory pressure; use a larger VM size
      using bootstrap token [REDACTED]
        sha256 verified
      ✔ Install containerd: containerd 1.7.24 installed (4.1s)
      ℹ Load kernel modules: overlay and br_netfilter already loaded (no change, 0.1s)
      ✖ Install kubelet: sha256 mismatch for kubelet v1.31.2 (2.3s)
        hint: check that --artifact-mirror serves the official dl.k8s.io files
      ✖ join failed at step kubelet (7.5s)"
    `);
    expect(term.raw).not.toContain(FIXED_TOKEN);
  });

  it('stops a spinner left running on close, so no timer keeps kjoin alive', async () => {
    vi.useFakeTimers();
    const term = new FakeTerminal();
    const { bus } = makeRun({ stream: term, interactive: true, color: false });
    bus.emit({ type: 'step-start', step: 'swap', phase: 'system', message: 'Disable swap' });
    expect(vi.getTimerCount()).toBe(1);
    await bus.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(term.view()).toBe('');
  });
});
