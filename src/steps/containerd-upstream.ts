import { CACHE_DIR, type FileRecord } from '../engine/state.js';
import type { PlannedDownload, StepContext } from '../engine/step.js';
import type { DownloadResult } from '../io/http.js';
import { resolveDownloadUrl } from '../io/mirror.js';
import { PATHS } from '../render/paths.js';
import { downloadToCache } from './download-progress.js';
import { unpackRelease } from './unpack-release.js';

/**
 * containerd from the upstream release, for hosts whose distribution has no containerd package (the RHEL family)
 * or an operator who asks for it: the release tarball (bin/* into /usr/local/bin) and runc (into
 * /usr/local/sbin), each verified against its published sha256sum before anything is replaced. The step in
 * containerd.ts renders the unit and the configuration around them.
 */

/** The containerd and runc releases kjoin installs; runc is the one that containerd release was tested with. */
export const CONTAINERD_UPSTREAM_VERSION = '1.7.22';
export const RUNC_VERSION = '1.1.14';

/** What state.json records as the component's source: a new runc release alone also makes the binaries stale. */
export const UPSTREAM_SOURCE = `upstream (runc v${RUNC_VERSION})`;

/** Members of the release tarball without which it is not containerd. */
const REQUIRED_MEMBERS = ['bin/containerd', 'bin/containerd-shim-runc-v2', 'bin/ctr'];

function tarballName(ctx: StepContext): string {
  return `containerd-${CONTAINERD_UPSTREAM_VERSION}-linux-${ctx.facts.arch}.tar.gz`;
}

function tarballUrl(ctx: StepContext): string {
  const upstream = `https://github.com/containerd/containerd/releases/download/v${CONTAINERD_UPSTREAM_VERSION}/${tarballName(ctx)}`;
  return resolveDownloadUrl(upstream, ctx.config.mirror);
}

function runcUrl(ctx: StepContext): string {
  return resolveDownloadUrl(`https://github.com/opencontainers/runc/releases/download/v${RUNC_VERSION}/runc.${ctx.facts.arch}`, ctx.config.mirror);
}

/** runc publishes one sha256sum list for every architecture beside its binaries. */
function runcChecksumUrl(ctx: StepContext): string {
  return resolveDownloadUrl(`https://github.com/opencontainers/runc/releases/download/v${RUNC_VERSION}/runc.sha256sum`, ctx.config.mirror);
}

function cachedTarball(ctx: StepContext): string {
  return `${CACHE_DIR}/${tarballName(ctx)}`;
}

function cachedRunc(ctx: StepContext): string {
  return `${CACHE_DIR}/runc-v${RUNC_VERSION}-${ctx.facts.arch}`;
}

export function planUpstreamDownloads(ctx: StepContext): PlannedDownload[] {
  const tarball = tarballUrl(ctx);
  return [
    { url: tarball, path: cachedTarball(ctx), mode: 0o600, sha256From: `${tarball}.sha256sum` },
    { url: runcUrl(ctx), path: cachedRunc(ctx), mode: 0o755, sha256From: runcChecksumUrl(ctx) },
  ];
}

/**
 * Both downloads into kjoin's cache, verified there; once per run, shared by prefetch and apply. When one fails, the
 * other is waited for before the failure is thrown, so nothing is still writing into the cache once the step ends.
 */
export async function fetchUpstreamContainerd(ctx: StepContext): Promise<[DownloadResult, DownloadResult]> {
  const tarball = tarballUrl(ctx);
  const [archive, runc] = await Promise.allSettled([
    downloadToCache(ctx, { key: 'containerd-archive', url: tarball, dest: cachedTarball(ctx), mode: 0o600, sha256Url: `${tarball}.sha256sum`, what: tarballName(ctx) }),
    downloadToCache(ctx, { key: 'runc-binary', url: runcUrl(ctx), dest: cachedRunc(ctx), mode: 0o755, sha256Url: runcChecksumUrl(ctx), what: `runc v${RUNC_VERSION} (${ctx.facts.arch})` }),
  ]);
  if (archive.status === 'rejected') throw archive.reason;
  if (runc.status === 'rejected') throw runc.reason;
  return [archive.value, runc.value];
}

/** Recorded binaries: the release's bin/ members and runc; the rest of the component's files are rendered. */
export function isUpstreamBinary(file: string): boolean {
  return file === PATHS.runcBinary || file.startsWith(`${PATHS.upstreamBinDir}/`);
}

/** The release binaries state.json records for the containerd component (none for the distribution's). */
export function recordedUpstreamBinaries(ctx: StepContext): FileRecord[] {
  return (ctx.state.component('containerd')?.files ?? []).filter((f) => isUpstreamBinary(f.path));
}

/** The binaries are in place when state.json records this release and every binary still has its hash and mode. */
export async function upstreamBinariesInPlace(ctx: StepContext): Promise<boolean> {
  const record = ctx.state.component('containerd');
  if (record?.version !== CONTAINERD_UPSTREAM_VERSION || record.source !== UPSTREAM_SOURCE) return false;
  const binaries = recordedUpstreamBinaries(ctx);
  if (!binaries.some((f) => f.path === PATHS.runcBinary) || binaries.length < 2) return false;
  for (const file of binaries) if (!(await ctx.state.fileMatches(file))) return false;
  return true;
}

/** Moves the verified release into place and returns what it wrote; the cached downloads are gone afterwards. */
export async function installUpstreamBinaries(ctx: StepContext): Promise<FileRecord[]> {
  const [, runc] = await fetchUpstreamContainerd(ctx);
  const records = await unpackRelease(ctx, {
    archive: cachedTarball(ctx),
    label: tarballName(ctx),
    stagingParent: PATHS.upstreamBinDir,
    required: REQUIRED_MEMBERS,
    targetOf: (member) => {
      const name = /^bin\/([^/]+)$/.exec(member)?.[1];
      return name ? `${PATHS.upstreamBinDir}/${name}` : null;
    },
  });
  await ctx.ports.fs.moveInto(cachedRunc(ctx), PATHS.runcBinary, 0o755);
  await ctx.ports.fs.remove(cachedTarball(ctx));
  return [...records, { path: PATHS.runcBinary, sha256: runc.sha256, mode: 0o755 }];
}
