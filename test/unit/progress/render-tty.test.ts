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

  it('prints a start and an end line for each of the steps running side by side', () => {
    const sink = new CaptureSink(false);
    const { bus } = makeRun({ stream: sink, interactive: false, color: false });
    bus.emit({ type: 'step-start', step: 'packages', phase: 'system', message: 'Install prerequisite packages' });
    bus.emit({ type: 'step-start', step: 'cni', phase: 'runtime', message: 'Install CNI plugins' });
    bus.emit({ type: 'step-progress', step: 'cni', phase: 'runtime', message: 'unpacking' });
    bus.emit({ type: 'step-end', step: 'cni', phase: 'runtime', status: 'failed', durationMs: 300, message: 'sha256 mismatch', data: { hint: 'check the mirror' } });
    bus.emit({ type: 'step-end', step: 'packages', phase: 'system', status: 'ok', durationMs: 4100, message: 'installed socat' });
    expect(sink.lines()).toEqual([
      '- Install prerequisite packages',
      '- Install CNI plugins',
      '✖ Install CNI plugins: sha256 mismatch (0.3s)',
      '  hint: check the mirror',
      '✔ Install prerequisite packages: installed socat (4.1s)',
    ]);
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

  it('shows steps running side by side a line each, and prints each result as it ends', async () => {
    vi.useFakeTimers({ now: Date.parse(FIXED_START) });
    const term = new FakeTerminal();
    const { clock, bus } = makeRun({ stream: term, interactive: true, color: false });
    bus.emit({ type: 'step-start', step: 'packages', phase: 'system', message: 'Install prerequisite packages' });
    bus.emit({ type: 'step-progress', step: 'packages', phase: 'system', message: 'installing conntrack, containerd' });
    bus.emit({ type: 'step-start', step: 'kubelet', phase: 'kubelet', message: 'Install and configure kubelet' });
    bus.emit({ type: 'step-progress', step: 'kubelet', phase: 'kubelet', message: 'downloading kubelet', data: { bytesDone: 512, bytesTotal: 1024 } });
    vi.advanceTimersByTime(80);
    expect(term.view()).toMatchInlineSnapshot(`
      "⠙ Install prerequisite packages: installing conntrack, containerd
        Install and configure kubelet: downloading kubelet 50% (512 B/1.0 KiB)"
    `);

    clock.advance(1200);
    bus.emit({ type: 'step-end', step: 'kubelet', phase: 'kubelet', status: 'ok', durationMs: 1200, message: 'kubelet v1.31.2 installed and enabled' });
    vi.advanceTimersByTime(80);
    expect(term.view()).toMatchInlineSnapshot(`
      "✔ Install and configure kubelet: kubelet v1.31.2 installed and enabled (1.2s)
      ⠹ Install prerequisite packages: installing conntrack, containerd"
    `);

    bus.emit({ type: 'step-end', step: 'packages', phase: 'system', status: 'ok', durationMs: 4100, message: 'installed conntrack, containerd' });
    await bus.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(term.view()).toMatchInlineSnapshot(`
      "✔ Install and configure kubelet: kubelet v1.31.2 installed and enabled (1.2s)
      ✔ Install prerequisite packages: installed conntrack, containerd (4.1s)"
    `);
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
