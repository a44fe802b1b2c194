import { CACHE_DIR } from '../engine/state.js';
import type { StepContext } from '../engine/step.js';
import type { DownloadProgress, DownloadResult } from '../io/http.js';

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

export interface CacheDownload {
  /** The BackgroundTasks key: one download per key and run, shared by a step's prefetch and apply. */
  key: string;
  url: string;
  /** The file in kjoin's cache (CACHE_DIR) the verified download lands in. */
  dest: string;
  mode: number;
  sha256Url: string;
  /** What the progress events call it, e.g. "kubelet v1.31.2 (amd64)". */
  what: string;
}

/** Downloads into kjoin's cache, verified before the rename there; started once per run whoever asks first. */
export function downloadToCache(ctx: StepContext, download: CacheDownload): Promise<DownloadResult> {
  return ctx.background.run(download.key, async () => {
    await ctx.ports.fs.mkdir(CACHE_DIR, 0o700);
    return ctx.ports.http.download({
      url: download.url,
      dest: download.dest,
      mode: download.mode,
      sha256Url: download.sha256Url,
      signal: ctx.signal,
      onProgress: reportDownload(ctx, `downloading ${download.what}`),
    });
  });
}
