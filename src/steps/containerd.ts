import type { BackgroundTasks } from '../engine/background.js';
import type { FileRecord } from '../engine/state.js';
import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import { renderAllRegistryHosts, renderContainerdConfig } from '../render/containerd-config.js';
import { renderContainerdService } from '../render/containerd-unit.js';
import { pauseImageFor } from '../render/pause-image.js';
import { isSystemdUnitPath, PATHS, proxyDropInPath } from '../render/paths.js';
import { proxyHasCredentials, renderProxyDropIn } from '../render/proxy-drop-in.js';
import { usesDistroContainerd } from './containerd-source.js';
import {
  CONTAINERD_UPSTREAM_VERSION,
  fetchUpstreamContainerd,
  installUpstreamBinaries,
  planUpstreamDownloads,
  recordedUpstreamBinaries,
  upstreamBinariesInPlace,
  UPSTREAM_SOURCE,
} from './containerd-upstream.js';
import { requireKubernetesVersion } from './kubernetes-version.js';
import { listFilesOutOfPlace, recordFiles, writeComponentFiles } from './managed-files.js';
import { settleUnit, type ObservedUnit } from './settle-unit.js';

const UNIT = 'containerd.service';

/** "containerd github.com/containerd/containerd 1.6.20~ds1 ..." → "1.6.20"; null when not installed. */
export function parseContainerdVersion(output: string): string | null {
  return /\bv?(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? null;
}

/** The binaries this step runs: the upstream release's by absolute path, so a PATH without /usr/local/bin cannot miss them. */
function binaryPath(ctx: StepContext, name: 'containerd' | 'ctr'): string {
  return usesDistroContainerd(ctx) ? name : `${PATHS.upstreamBinDir}/${name}`;
}

/** Versions found on this run (keyed by the run's BackgroundTasks), so check, render and apply ask containerd once. */
const detectedVersions = new WeakMap<BackgroundTasks, string>();
/** containerd.service as this run's check() saw it, handed to apply() once. */
const observedUnits = new WeakMap<BackgroundTasks, ObservedUnit>();

/**
 * The installed containerd's version. Once found it is kept for the run: only the packages step installs
 * containerd, and it never upgrades one. "Not installed" is never kept: the packages step renders this step's files
 * (preseedContainerdFiles) before it installs containerd, in the same run.
 */
async function detectContainerdVersion(ctx: StepContext): Promise<string | null> {
  const known = detectedVersions.get(ctx.background);
  if (known !== undefined) return known;
  const result = await ctx.ports.exec.run(binaryPath(ctx, 'containerd'), ['--version'], { timeoutMs: 10_000 });
  const version = result.exitCode === 0 ? parseContainerdVersion(result.stdout) : null;
  if (version !== null) detectedVersions.set(ctx.background, version);
  return version;
}

/** The proxy drop-in for a unit, when a proxy is configured; 0600 when its URLs carry credentials. */
export function renderProxyFile(ctx: StepContext, unit: string): PlannedFile | null {
  const { http, https, noProxy } = ctx.config.proxy;
  if (!http && !https) return null;
  const input = { http, https, noProxy };
  return { path: proxyDropInPath(unit), mode: proxyHasCredentials(input) ? 0o600 : 0o644, content: renderProxyDropIn(input), secret: proxyHasCredentials(input) };
}

async function renderContainerdFiles(ctx: StepContext): Promise<PlannedFile[]> {
  const upstream = !usesDistroContainerd(ctx);
  const version = upstream ? CONTAINERD_UPSTREAM_VERSION : await detectContainerdVersion(ctx);
  const major = version && Number.parseInt(version, 10) >= 2 ? 2 : 1;
  const files: PlannedFile[] = [
    ...(upstream ? [{ path: PATHS.containerdUpstreamUnit, mode: 0o644, content: renderContainerdService() }] : []),
    {
      path: PATHS.containerdConfig,
      mode: 0o644,
      content: renderContainerdConfig({
        containerdMajor: major,
        systemdCgroup: ctx.facts.initSystem === 'systemd',
        pauseImage: pauseImageFor(requireKubernetesVersion(ctx)),
      }),
    },
    ...renderAllRegistryHosts(ctx.config.containerd.registryMirrors).map((f) => ({ ...f, mode: 0o644 })),
  ];
  const proxy = renderProxyFile(ctx, 'containerd');
  if (proxy) files.push(proxy);
  return files;
}

/** The binaries in place (upstream: moved in from the verified release when they are not); returns the version. */
async function ensureInstalled(ctx: StepContext): Promise<{ version: string; binaries: FileRecord[]; installed: boolean }> {
  if (!usesDistroContainerd(ctx)) {
    const version = CONTAINERD_UPSTREAM_VERSION;
    if (await upstreamBinariesInPlace(ctx)) {
      return { version, binaries: recordedUpstreamBinaries(ctx), installed: false };
    }
    return { version, binaries: await installUpstreamBinaries(ctx), installed: true };
  }
  const version = await detectContainerdVersion(ctx);
  if (!version) {
    throw new KjoinError('step-failed', 'containerd is not installed although the packages step ran', {
      hint: 'check the package manager output in /var/log/kjoin.log, install containerd, and run kjoin join again',
    });
  }
  return { version, binaries: [], installed: false };
}

/**
 * Writes containerd's configuration before the packages step installs the distribution's containerd, so the
 * package's postinst starts containerd on it and this step has nothing to restart. apt (--force-confold) and rpm
 * (%config(noreplace)) keep an existing configuration and put the package's own beside it (.dpkg-dist, .rpmnew).
 * The render assumes a 1.x containerd (the config version 2 format, which containerd 2 reads too); the step
 * rewrites it for a 2.x package. Not done when the upstream release is recorded: its files go in the step's switch.
 */
export async function preseedContainerdFiles(ctx: StepContext): Promise<string[]> {
  if (!usesDistroContainerd(ctx) || recordedUpstreamBinaries(ctx).length > 0) return [];
  const files = await renderContainerdFiles(ctx);
  const written = await writeComponentFiles(ctx, 'containerd', files);
  ctx.state.recordComponent('containerd', { files: recordFiles(files), backups: written.backups }, ctx.ports.clock.now());
  // Saved now, not when the packages step ends: a run killed during the install must still know these files are kjoin's.
  await ctx.state.save();
  return written.changed;
}

/** Waits until containerd answers on its socket, so the next steps never race its start. */
async function waitForContainerd(ctx: StepContext): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const result = await ctx.ports.exec.run(binaryPath(ctx, 'ctr'), ['--address', PATHS.containerdSocket, 'version'], { timeoutMs: 10_000 });
    if (result.exitCode === 0) return;
    await ctx.ports.clock.sleep(500, ctx.signal);
  }
  const journal = await ctx.ports.systemd.journalTail(UNIT, 20);
  throw new KjoinError('step-failed', `containerd does not answer on ${PATHS.containerdSocket}`, {
    hint: `see journalctl -u containerd${journal ? `; last lines:\n${journal}` : ''}`,
  });
}

/**
 * containerd installed (the distribution package, or the upstream release with runc where there is no package or
 * the operator asks for it), /etc/containerd/config.toml rendered with the host's cgroup driver and the Kubernetes
 * version's pause image, registry mirrors and proxy drop-in when set, enabled and started. Idempotency: no-op when
 * every file matches (upstream: and the recorded release binaries still have their hashes) and the unit is enabled
 * and active; restarted only when its configuration or binaries changed while it was running.
 */
export const containerdStep: Step = {
  id: 'containerd',
  title: 'Install and configure containerd',
  phase: 'runtime',
  async plan(ctx) {
    const distro = usesDistroContainerd(ctx);
    return emptyPlan({
      files: await renderContainerdFiles(ctx),
      downloads: distro ? [] : planUpstreamDownloads(ctx),
      commands: [['systemctl', 'enable', '--now', UNIT], [binaryPath(ctx, 'ctr'), 'version']],
      notes: [
        distro
          ? 'containerd from the distribution package (installed by the packages step)'
          : `containerd ${CONTAINERD_UPSTREAM_VERSION} from the upstream release into ${PATHS.upstreamBinDir}, runc into ${PATHS.runcBinary}`,
      ],
    });
  },
  async check(ctx) {
    const distro = usesDistroContainerd(ctx);
    const version = distro ? await detectContainerdVersion(ctx) : CONTAINERD_UPSTREAM_VERSION;
    if (!version) return { status: 'needed', reason: 'containerd is not installed' };
    const reasons: string[] = [];
    // A configuration written ahead of the package (preseedContainerdFiles) is recorded without a version yet.
    if (distro && ctx.state.component('containerd')?.version !== version) reasons.push(`containerd ${version} not recorded yet`);
    if (!distro && !(await upstreamBinariesInPlace(ctx))) reasons.push(`containerd ${CONTAINERD_UPSTREAM_VERSION} (upstream) not installed`);
    const binaries = distro ? [] : recordedUpstreamBinaries(ctx).map((f) => f.path);
    reasons.push(...(await listFilesOutOfPlace(ctx, 'containerd', await renderContainerdFiles(ctx), binaries)));
    const [enabled, active] = await Promise.all([ctx.ports.systemd.isEnabled(UNIT), ctx.ports.systemd.isActive(UNIT)]);
    observedUnits.set(ctx.background, { enabled, active });
    if (enabled !== 'enabled') reasons.push('not enabled');
    if (!active) reasons.push('not running');
    return reasons.length ? { status: 'needed', reason: reasons.join(', ') } : { status: 'done' };
  },
  async prefetch(ctx) {
    if (!usesDistroContainerd(ctx) && !(await upstreamBinariesInPlace(ctx))) await fetchUpstreamContainerd(ctx);
  },
  async apply(ctx) {
    const { version, binaries, installed: binariesChanged } = await ensureInstalled(ctx);
    const files = await renderContainerdFiles(ctx);
    const written = await writeComponentFiles(ctx, 'containerd', files, binaries.map((b) => b.path));
    const touched = [...written.changed, ...written.removed];
    const restartReason = binariesChanged ? 'its binaries changed' : touched.length > 0 ? 'its configuration changed' : null;
    const observed = observedUnits.get(ctx.background);
    observedUnits.delete(ctx.background);
    const settled = await settleUnit(ctx, UNIT, { unitFilesChanged: touched.some(isSystemdUnitPath), running: { restartReason }, observed });
    // A containerd that was running and stays untouched already answers (Type=notify: active means serving).
    if (settled !== 'unchanged') await waitForContainerd(ctx);
    const source = usesDistroContainerd(ctx) ? 'distro' : UPSTREAM_SOURCE;
    ctx.state.recordComponent('containerd', { version, source, files: [...binaries, ...recordFiles(files)], backups: written.backups, units: [UNIT] }, ctx.ports.clock.now());
    const wrote = [...(binariesChanged ? [`${binaries.length} binaries`] : []), ...written.changed];
    return { message: `containerd ${version} running${wrote.length ? ` (wrote ${wrote.join(', ')})` : ''}` };
  },
};
