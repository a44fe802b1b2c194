/**
 * Plain timestamped lines, for output that is not a terminal (cloud-init's log, journald, a pipe) and for
 * /var/log/kjoin.log. One event gives one line, grep-friendly and stable:
 *
 *   [<ts>] <who>: <text>[ (<duration>)][ [<STATUS>]]
 *
 * - <ts> is UTC to the second with a Z ("2026-11-22T10:00:01Z"); <who> is the step id, or "kjoin" for
 *   events without a step (run start/end, command-level logs).
 * - <text> is the message; step-start appends " ..." (the step begins), step-progress appends the byte
 *   progress when data carries bytesDone/bytesTotal ("45% (12.0 MiB/26.7 MiB)").
 * - <duration> is formatDuration(durationMs), present when the event has one (step-end, run-end).
 * - <STATUS> is the status tag: OK, NO CHANGE, FAILED, SKIPPED, NOT IMPLEMENTED, NEEDED, DONE, WARN, FAIL;
 *   "info" (and no status) prints no tag.
 * - A hint in data (data.hint) follows on its own line: "[<ts>] <who>: hint: <hint>". A multi-line message
 *   gives one prefixed line per message line, so every line of the log starts with a timestamp.
 *
 * Progress is thinned: a step's progress line is dropped when it repeats the previous message within the
 * same 10% of a download, so a 30 MiB download is about a dozen lines, not thousands.
 */
import type { EventStatus, KjoinEvent, Renderer } from './events.js';
import { computePercent, formatDuration, formatTimestamp, formatTransfer, readHint, readTransfer, type TextSink } from './format.js';

const STATUS_TAGS: Record<EventStatus, string | null> = {
  ok: 'OK',
  'no-change': 'NO CHANGE',
  failed: 'FAILED',
  skipped: 'SKIPPED',
  'not-implemented': 'NOT IMPLEMENTED',
  needed: 'NEEDED',
  done: 'DONE',
  warn: 'WARN',
  fail: 'FAIL',
  info: null,
};

/** Downloads of unknown size print a line per this many bytes at most. */
const UNKNOWN_TOTAL_BUCKET_BYTES = 16 * 1024 * 1024;

/** The lines (without newlines) one event renders to; stateless, no thinning. */
export function formatPlainLines(event: KjoinEvent): string[] {
  const prefix = `[${formatTimestamp(event.ts)}] ${event.step ?? 'kjoin'}: `;
  const [first = '', ...rest] = event.message.split(/\r?\n/);
  const tag = event.status ? STATUS_TAGS[event.status] : null;
  let head = first;
  if (event.type === 'step-start') head += ' ...';
  if (event.type === 'step-progress') {
    const transfer = formatTransfer(event.data);
    if (transfer) head += ` ${transfer}`;
  }
  if (event.durationMs !== undefined) head += ` (${formatDuration(event.durationMs)})`;
  if (tag) head += ` [${tag}]`;
  const lines = [head, ...rest].map((line) => prefix + line);
  const hint = readHint(event.data);
  if (hint) lines.push(`${prefix}hint: ${hint}`);
  return lines;
}

/** formatPlainLines plus progress thinning; one instance per output, because thinning keeps state. */
export class PlainFormatter {
  private readonly lastProgress = new Map<string, string>();

  format(event: KjoinEvent): string[] {
    const key = event.step ?? '';
    if (event.type === 'step-start' || event.type === 'step-end') this.lastProgress.delete(key);
    if (event.type === 'step-progress') {
      const signature = `${event.message}\u0000${describeProgressBucket(event.data)}`;
      if (this.lastProgress.get(key) === signature) return [];
      this.lastProgress.set(key, signature);
    }
    return formatPlainLines(event);
  }
}

export class PlainRenderer implements Renderer {
  private readonly formatter = new PlainFormatter();

  constructor(private readonly stream: TextSink) {}

  handle(event: KjoinEvent): void {
    const lines = this.formatter.format(event);
    if (lines.length > 0) this.stream.write(`${lines.join('\n')}\n`);
  }

  close(): void {}
}

function describeProgressBucket(data: Record<string, unknown> | undefined): string {
  const transfer = readTransfer(data);
  if (!transfer) return '';
  const percent = computePercent(transfer);
  if (percent !== null) return `p${Math.floor(percent / 10)}`;
  return `b${Math.floor(transfer.bytesDone / UNKNOWN_TOTAL_BUCKET_BYTES)}`;
}
