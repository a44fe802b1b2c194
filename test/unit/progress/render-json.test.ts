import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/io/clock.js';
import { EventBus } from '../../../src/progress/bus.js';
import { Redactor } from '../../../src/progress/redact.js';
import { JsonRenderer } from '../../../src/progress/render-json.js';
import { CaptureSink } from './fake-terminal.js';
import { FIXED_EVENTS, FIXED_START, FIXED_TOKEN, replayFixedEvents } from './fixed-events.js';

const ALLOWED_KEYS = ['ts', 'type', 'step', 'phase', 'status', 'durationMs', 'message', 'data'];

function renderFixed(): CaptureSink {
  const sink = new CaptureSink(false);
  const clock = new FakeClock(FIXED_START);
  const bus = new EventBus({ clock, redactor: new Redactor(), renderers: [new JsonRenderer(sink)] });
  replayFixedEvents(bus, clock);
  return sink;
}

describe('JsonRenderer', () => {
  it('writes one parseable object per event and nothing else', () => {
    const sink = renderFixed();
    expect(sink.text.endsWith('\n')).toBe(true);
    const records = sink.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(FIXED_EVENTS.length);
    for (const record of records) {
      expect(Object.keys(record).every((key) => ALLOWED_KEYS.includes(key))).toBe(true);
      expect(typeof record['ts']).toBe('string');
      if (String(record['type']).startsWith('step-')) {
        expect(record).toEqual(expect.objectContaining({ step: expect.any(String), phase: expect.any(String) }));
      }
    }
    expect(sink.text).not.toContain(FIXED_TOKEN);
  });

  it('keeps the documented key order (snapshot of the fixed sequence)', () => {
    expect(renderFixed().text).toMatchInlineSnapshot(`
      "{"ts":"2026-11-22T10:00:00.000Z","type":"run-start","message":"joining worker-1 to https://10.0.0.1:6443"}
      {"ts":"2026-11-22T10:00:00.200Z","type":"check","step":"memory","phase":"preflight","status":"warn","message":"1.5 GiB memory, 2.0 GiB recommended","data":{"hint":"pods may be evicted under memory pressure; use a larger VM size"}}
      {"ts":"2026-11-22T10:00:00.300Z","type":"log","message":"using bootstrap token [REDACTED]"}
      {"ts":"2026-11-22T10:00:01.000Z","type":"step-start","step":"containerd","phase":"runtime","message":"Install containerd"}
      {"ts":"2026-11-22T10:00:02.500Z","type":"step-progress","step":"containerd","phase":"runtime","message":"downloading containerd-1.7.24-linux-amd64.tar.gz","data":{"bytesDone":12582912,"bytesTotal":28000000}}
      {"ts":"2026-11-22T10:00:03.500Z","type":"log","step":"containerd","phase":"runtime","message":"sha256 verified"}
      {"ts":"2026-11-22T10:00:05.100Z","type":"step-end","step":"containerd","phase":"runtime","status":"ok","durationMs":4100,"message":"containerd 1.7.24 installed"}
      {"ts":"2026-11-22T10:00:05.110Z","type":"step-start","step":"kernel-modules","phase":"system","message":"Load kernel modules"}
      {"ts":"2026-11-22T10:00:05.230Z","type":"step-end","step":"kernel-modules","phase":"system","status":"no-change","durationMs":120,"message":"overlay and br_netfilter already loaded"}
      {"ts":"2026-11-22T10:00:05.240Z","type":"step-start","step":"kubelet","phase":"kubelet","message":"Install kubelet"}
      {"ts":"2026-11-22T10:00:07.540Z","type":"step-end","step":"kubelet","phase":"kubelet","status":"failed","durationMs":2300,"message":"sha256 mismatch for kubelet v1.31.2","data":{"hint":"check that --artifact-mirror serves the official dl.k8s.io files"}}
      {"ts":"2026-11-22T10:00:07.545Z","type":"run-end","status":"failed","durationMs":7545,"message":"join failed at step kubelet"}
      "
    `);
  });

  it('drops fields outside the wire shape and keeps a multi-line message on one line', () => {
    const sink = new CaptureSink();
    const extra = { ts: '2026-11-22T10:00:00.000Z', type: 'log', message: 'a\nb', internal: 'x' } as const;
    new JsonRenderer(sink).handle(extra);
    expect(sink.text).toBe('{"ts":"2026-11-22T10:00:00.000Z","type":"log","message":"a\\nb"}\n');
  });
});
