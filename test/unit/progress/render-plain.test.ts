import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/io/clock.js';
import { EventBus } from '../../../src/progress/bus.js';
import type { KjoinEvent } from '../../../src/progress/events.js';
import { Redactor } from '../../../src/progress/redact.js';
import { formatPlainLines, PlainRenderer } from '../../../src/progress/render-plain.js';
import { CaptureSink } from './fake-terminal.js';
import { FIXED_START, FIXED_TOKEN, replayFixedEvents } from './fixed-events.js';

describe('PlainRenderer', () => {
  it('renders the fixed sequence as timestamped lines', () => {
    const sink = new CaptureSink(false);
    const clock = new FakeClock(FIXED_START);
    const bus = new EventBus({ clock, redactor: new Redactor(), renderers: [new PlainRenderer(sink)] });
    replayFixedEvents(bus, clock);

    expect(sink.text).not.toContain(FIXED_TOKEN);
    expect(sink.text).toMatchInlineSnapshot(`
      "[2026-11-22T10:00:00Z] kjoin: joining worker-1 to https://10.0.0.1:6443
      [2026-11-22T10:00:00Z] memory: 1.5 GiB memory, 2.0 GiB recommended [WARN]
      [2026-11-22T10:00:00Z] memory: hint: pods may be evicted under memory pressure; use a larger VM size
      [2026-11-22T10:00:00Z] kjoin: using bootstrap token [REDACTED]
      [2026-11-22T10:00:01Z] containerd: Install containerd ...
      [2026-11-22T10:00:02Z] containerd: downloading containerd-1.7.24-linux-amd64.tar.gz 44% (12.0 MiB/26.7 MiB)
      [2026-11-22T10:00:03Z] containerd: sha256 verified
      [2026-11-22T10:00:05Z] containerd: containerd 1.7.24 installed (4.1s) [OK]
      [2026-11-22T10:00:05Z] kernel-modules: Load kernel modules ...
      [2026-11-22T10:00:05Z] kernel-modules: overlay and br_netfilter already loaded (0.1s) [NO CHANGE]
      [2026-11-22T10:00:05Z] kubelet: Install kubelet ...
      [2026-11-22T10:00:07Z] kubelet: sha256 mismatch for kubelet v1.31.2 (2.3s) [FAILED]
      [2026-11-22T10:00:07Z] kubelet: hint: check that --artifact-mirror serves the official dl.k8s.io files
      [2026-11-22T10:00:07Z] kjoin: join failed at step kubelet (7.5s) [FAILED]
      "
    `);
  });

  it('thins repeated progress within the same 10% of a download', () => {
    const sink = new CaptureSink();
    const renderer = new PlainRenderer(sink);
    const base = { ts: '2026-11-22T10:00:00.000Z', type: 'step-progress', step: 'kubelet', phase: 'kubelet' } as const;
    for (const done of [0, 10, 15, 40, 45, 100, 101, 200]) {
      renderer.handle({ ...base, message: 'downloading kubelet', data: { bytesDone: done, bytesTotal: 200 } });
    }
    renderer.handle({ ...base, message: 'verifying' });
    renderer.handle({ ...base, message: 'verifying' });
    expect(sink.lines().map((line) => line.replace(/^.*kubelet: /, ''))).toEqual([
      'downloading kubelet 0% (0 B/200 B)',
      'downloading kubelet 20% (40 B/200 B)',
      'downloading kubelet 50% (100 B/200 B)',
      'downloading kubelet 100% (200 B/200 B)',
      'verifying',
    ]);
  });

  it('prefixes every line of a multi-line message and tags every status', () => {
    const event: KjoinEvent = {
      ts: '2026-11-22T10:00:09.400Z',
      type: 'check',
      step: 'ports',
      phase: 'preflight',
      status: 'fail',
      message: 'port 10250 is in use\nby pid 812 (kubelet)',
    };
    expect(formatPlainLines(event)).toEqual([
      '[2026-11-22T10:00:09Z] ports: port 10250 is in use [FAIL]',
      '[2026-11-22T10:00:09Z] ports: by pid 812 (kubelet)',
    ]);
    const tags = (['skipped', 'not-implemented', 'needed', 'done', 'info'] as const).map(
      (status) => formatPlainLines({ ...event, status, message: 'm' })[0],
    );
    expect(tags).toEqual([
      '[2026-11-22T10:00:09Z] ports: m [SKIPPED]',
      '[2026-11-22T10:00:09Z] ports: m [NOT IMPLEMENTED]',
      '[2026-11-22T10:00:09Z] ports: m [NEEDED]',
      '[2026-11-22T10:00:09Z] ports: m [DONE]',
      '[2026-11-22T10:00:09Z] ports: m',
    ]);
  });
});
