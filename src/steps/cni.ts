import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CACHE_DIR, sha256Hex, type FileRecord } from '../engine/state.js';
import { emptyPlan, type Step, type StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import { resolveDownloadUrl } from '../io/mirror.js';
import { PATHS } from '../render/paths.js';
import { reportDownload } from './download-progress.js';

/** CNI plugins release installed into /opt/cni/bin; the version every supported Kubernetes minor works with. */
export const CNI_PLUGINS_VERSION = '1.5.1';

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
function fetchArchive(ctx: StepContext): Promise<string> {
  return ctx.background.run('cni-archive', async () => {
    const url = cniArchiveUrl(ctx);
    await ctx.ports.fs.mkdir(CACHE_DIR, 0o700);
    await ctx.ports.http.download({
      url,
      dest: cachedArchive(ctx),
      mode: 0o600,
      sha256Url: `${url}.sha256`,
      signal: ctx.signal,
      onProgress: reportDownload(ctx, `downloading ${archiveName(ctx)}`),
    });
    return cachedArchive(ctx);
  });
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
  prefetch: fetchArchive,
  async apply(ctx) {
    const { fs } = ctx.ports;
    const archive = await fetchArchive(ctx);
    const parent = path.posix.dirname(PATHS.cniBinDir);
    await fs.mkdir(parent, 0o755);
    // A run killed while unpacking leaves its staging directory behind; it never holds anything in use.
    for (const name of await fs.readdir(parent)) if (name.startsWith('.kjoin-staging-')) await fs.removeTree(`${parent}/${name}`);
    const staging = `${parent}/.kjoin-staging-${randomBytes(4).toString('hex')}`;
    const records: FileRecord[] = [];
    try {
      ctx.reporter.progress(`unpacking ${archiveName(ctx)}`);
      const names = await fs.extractTarGz(archive, staging).catch((error: unknown) => {
        throw new KjoinError('step-failed', `${archiveName(ctx)} is not a usable CNI plugins release: ${(error as Error).message.split('\n')[0]}`, {
          hint: 'check that the mirror serves the real release tarball; nothing was installed from it',
        });
      });
      await fs.mkdir(PATHS.cniBinDir, 0o755);
      for (const name of names) {
        if (name.includes('/')) continue; // the release tarball is flat; anything nested is not a plugin
        const target = `${PATHS.cniBinDir}/${name}`;
        const stat = await fs.stat(`${staging}/${name}`);
        await fs.rename(`${staging}/${name}`, target);
        records.push({ path: target, sha256: sha256Hex(await fs.readBytes(target)), mode: stat?.mode ?? 0o755 });
      }
    } finally {
      await fs.removeTree(staging);
    }
    if (records.length === 0) {
      throw new KjoinError('step-failed', `${archiveName(ctx)} holds no plugin binaries`, { hint: 'check the mirror serves the real CNI plugins release' });
    }
    await fs.remove(archive);
    ctx.state.recordComponent('cni', { version: CNI_PLUGINS_VERSION, source: cniArchiveUrl(ctx), files: records }, ctx.ports.clock.now());
    return { message: `CNI plugins v${CNI_PLUGINS_VERSION}: ${records.length} plugins in ${PATHS.cniBinDir}` };
  },
};
