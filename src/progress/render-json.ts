/**
 * NDJSON for `--output json`: one JSON object per line per event, and nothing else on the stream, so a
 * consumer can `JSON.parse` every line. Keys, in this order, absent when the event has no value for them:
 * ts, type, step, phase, status, durationMs, message, data. Every event is written (no progress
 * thinning): machines decide for themselves what to drop.
 */
import type { KjoinEvent, Renderer } from './events.js';
import type { TextSink } from './format.js';

/** The wire shape of one line; fields outside this list never reach the stream. */
export function toJsonRecord(event: KjoinEvent): Record<string, unknown> {
  const record: Record<string, unknown> = { ts: event.ts, type: event.type };
  if (event.step !== undefined) record['step'] = event.step;
  if (event.phase !== undefined) record['phase'] = event.phase;
  if (event.status !== undefined) record['status'] = event.status;
  if (event.durationMs !== undefined) record['durationMs'] = event.durationMs;
  record['message'] = event.message;
  if (event.data !== undefined) record['data'] = event.data;
  return record;
}

export class JsonRenderer implements Renderer {
  constructor(private readonly stream: TextSink) {}

  handle(event: KjoinEvent): void {
    // JSON.stringify escapes newlines inside strings, so one event is always exactly one line.
    this.stream.write(`${JSON.stringify(toJsonRecord(event), replaceUnserializable)}\n`);
  }

  close(): void {}
}

/** BigInts and functions would make JSON.stringify throw or drop silently; write something readable. */
function replaceUnserializable(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return undefined;
  return value;
}
