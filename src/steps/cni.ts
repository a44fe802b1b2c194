import * as path from 'node:path';
import { CACHE_DIR } from '../engine/state.js';
import { emptyPlan, type Step, type StepContext } from '../engine/step.js';
import { resolveDownloadUrl } from '../io/mirror.js';
import { PATHS } from '../render/paths.js';
import { downloadToCache } from './download-progress.js';
import { unpackRelease } from './unpack-release.js';

/** CNI plugins release installed into /opt/cni/bin; the version every supported Kubernetes minor works with. */
export const CNI_PLUGINS_VERSION = '1.5.1';

/** Top-level files of the release tarball that are not plugins. */
const NOT_PLUGINS = new Set(['LICENSE', 'README.md']);

function archiveName(ctx: StepContext): string {
  return `cni-plugins-linux-${ctx.facts.arch}-v${CNI_PLUGINS_VERSION}.tgz`;
}

export function cniArchiveUrl(ctx: StepContext): string {
  const upstream = `https://github.com/containernetworking/plugins/releases/download/v${CNI_PLUGINS_VERSION}/${archiveName(ctx)}`;
  return resolveDownloadUrl(upstream, ctx.config.mirror);
}

function cachedArchive(ctx: StepContext): string {
  return `${CACHE_DIR}/${archiveName(ctx)}`;
}

/** Downloads and verifies the tarball into kjoin's cache once per run; shared by prefetch and apply. */
async function fetchArchive(ctx: StepContext): Promise<string> {
  const url = cniArchiveUrl(ctx);
  await downloadToCache(ctx, { key: 'cni-archive', url, dest: cachedArchive(ctx), mode: 0o600, sha256Url: `${url}.sha256`, what: archiveName(ctx) });
  return cachedArchive(ctx);
}

async function recordedPluginsInPlace(ctx: StepContext): Promise<boolean> {
  const record = ctx.state.component('cni');
  if (!record || record.version !== CNI_PLUGINS_VERSION || record.files.length === 0) return false;
  for (const file of record.files) if (!(await ctx.state.fileMatches(file))) return false;
  return true;
}

/**
 * The CNI plugins release tarball, checksum-verified, unpacked into /opt/cni/bin: extracted into a staging
 * directory beside it and renamed file by file, so no half-written plugin is ever in place. Idempotency: no-op
 * when state.json records this version and every recorded plugin still has its sha256 and mode.
 */
export const cniStep: Step = {
  id: 'cni',
  title: 'Install CNI plugins',
  phase: 'runtime',
  // Needs no package: runs while apt installs.
  after: [],
  alongside: 'packages',
  plan(ctx) {
    const url = cniArchiveUrl(ctx);
    return emptyPlan({
      downloads: [{ url, path: cachedArchive(ctx), mode: 0o600, sha256From: `${url}.sha256` }],
      notes: [`unpack CNI plugins v${CNI_PLUGINS_VERSION} into ${PATHS.cniBinDir}`],
    });
  },
  async check(ctx) {
    return (await recordedPluginsInPlace(ctx)) ? { status: 'done', reason: `v${CNI_PLUGINS_VERSION}` } : { status: 'needed', reason: `CNI plugins v${CNI_PLUGINS_VERSION} not installed` };
  },
  async prefetch(ctx) {
    if (!(await recordedPluginsInPlace(ctx))) await fetchArchive(ctx);
  },
  async apply(ctx) {
    const archive = await fetchArchive(ctx);
    // The release tarball is flat: every top-level file is a plugin (LICENSE and README.md aside), anything nested is not.
    const records = await unpackRelease(ctx, {
      archive,
      label: archiveName(ctx),
      stagingParent: path.posix.dirname(PATHS.cniBinDir),
      required: [],
      targetOf: (member) => (member.includes('/') || NOT_PLUGINS.has(member) ? null : `${PATHS.cniBinDir}/${member}`),
    });
    await ctx.ports.fs.remove(archive);
    ctx.state.recordComponent('cni', { version: CNI_PLUGINS_VERSION, source: cniArchiveUrl(ctx), files: records }, ctx.ports.clock.now());
    return { message: `CNI plugins v${CNI_PLUGINS_VERSION}: ${records.length} plugins in ${PATHS.cniBinDir}` };
  },
};
