import type { StepContext } from '../engine/step.js';
import type { DownloadProgress } from '../io/http.js';

/**
 * Turns per-chunk download callbacks into at most one progress event per 5% (and the last one), so the event
 * stream and the log file see a handful of lines per download, not thousands.
 */
export function reportDownload(ctx: StepContext, message: string): (progress: DownloadProgress) => void {
  let lastBucket = -1;
  return ({ bytesDone, bytesTotal }) => {
    const bucket = bytesTotal ? Math.floor((bytesDone / bytesTotal) * 20) : Math.floor(bytesDone / (8 * 1024 * 1024));
    if (bucket === lastBucket && bytesDone !== bytesTotal) return;
    lastBucket = bucket;
    ctx.reporter.progress(message, { bytesDone, bytesTotal });
  };
}
