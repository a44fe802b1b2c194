/**
 * Formatting shared by every renderer, so a duration or a byte count reads the same on a terminal, in
 * cloud-init's log, in NDJSON consumers' eyes and in /var/log/kjoin.log.
 */

/** Where renderers write: process.stdout/stderr in production, a string collector in tests. */
export interface TextSink {
  write(text: string): unknown;
  /** True on an interactive terminal (process streams set it). */
  isTTY?: boolean;
}

/**
 * A duration for humans: "0.3s" and "4.1s" under a minute (one decimal keeps short steps comparable),
 * "2m05s" under an hour, "1h02m05s" beyond. Negative or non-finite input reads "0.0s".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0.0s';
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${pad2(minutes)}m${pad2(seconds)}s`;
  return `${minutes}m${pad2(seconds)}s`;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Binary units, because artifact sizes and free-disk checks are compared against each other. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '0 B';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** Byte counters a step may put in a progress event's data (downloads, image pulls). */
export interface TransferData {
  bytesDone: number;
  bytesTotal?: number;
}

/** Reads bytesDone/bytesTotal from event data when they are usable numbers. */
export function readTransfer(data: Record<string, unknown> | undefined): TransferData | null {
  const done = data?.['bytesDone'];
  if (typeof done !== 'number' || !Number.isFinite(done) || done < 0) return null;
  const total = data?.['bytesTotal'];
  return typeof total === 'number' && Number.isFinite(total) && total > 0
    ? { bytesDone: done, bytesTotal: total }
    : { bytesDone: done };
}

/** Whole percent of a transfer, clamped to 0..100, or null when the total is unknown. */
export function computePercent(transfer: TransferData): number | null {
  if (transfer.bytesTotal === undefined) return null;
  return Math.min(100, Math.max(0, Math.floor((transfer.bytesDone / transfer.bytesTotal) * 100)));
}

/** "45% (12.0 MiB/26.7 MiB)", or "12.0 MiB" when the total is unknown; null without byte counters. */
export function formatTransfer(data: Record<string, unknown> | undefined): string | null {
  const transfer = readTransfer(data);
  if (!transfer) return null;
  const percent = computePercent(transfer);
  if (percent === null || transfer.bytesTotal === undefined) return formatBytes(transfer.bytesDone);
  return `${percent}% (${formatBytes(transfer.bytesDone)}/${formatBytes(transfer.bytesTotal)})`;
}

/** The remediation a step or check attached to its event (data.hint), if it is a non-empty string. */
export function readHint(data: Record<string, unknown> | undefined): string | null {
  const hint = data?.['hint'];
  return typeof hint === 'string' && hint.trim() !== '' ? hint.trim() : null;
}

/** "2026-11-22T10:00:01Z": to the second, because sub-second precision only adds noise to log lines. */
export function formatTimestamp(ts: string): string {
  const parsed = Date.parse(ts);
  if (Number.isNaN(parsed)) return ts;
  return new Date(parsed).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}
