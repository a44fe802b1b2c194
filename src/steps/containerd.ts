import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import { renderAllRegistryHosts, renderContainerdConfig } from '../render/containerd-config.js';
import { pauseImageFor } from '../render/pause-image.js';
import { PATHS, proxyDropInPath } from '../render/paths.js';
import { proxyHasCredentials, renderProxyDropIn } from '../render/proxy-drop-in.js';
import { requireKubernetesVersion } from './kubernetes-version.js';
import { listFilesOutOfPlace, recordFiles, writeComponentFiles } from './managed-files.js';
import { usesDistroContainerd } from './packages.js';

const UNIT = 'containerd.service';

/** "containerd github.com/containerd/containerd 1.6.20~ds1 ..." → "1.6.20"; null when not installed. */
export function parseContainerdVersion(output: string): string | null {
  return /\bv?(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? null;
}

async function detectContainerdVersion(ctx: StepContext): Promise<string | null> {
  const result = await ctx.ports.exec.run('containerd', ['--version'], { timeoutMs: 10_000 });
  return result.exitCode === 0 ? parseContainerdVersion(result.stdout) : null;
}

/** The proxy drop-in for a unit, when a proxy is configured; 0600 when its URLs carry credentials. */
export function renderProxyFile(ctx: StepContext, unit: string): PlannedFile | null {
  const { http, https, noProxy } = ctx.config.proxy;
  if (!http && !https) return null;
  const input = { http, https, noProxy };
  return { path: proxyDropInPath(unit), mode: proxyHasCredentials(input) ? 0o600 : 0o644, content: renderProxyDropIn(input), secret: proxyHasCredentials(input) };
}

async function renderContainerdFiles(ctx: StepContext): Promise<PlannedFile[]> {
  const version = await detectContainerdVersion(ctx);
  const major = version && Number.parseInt(version, 10) >= 2 ? 2 : 1;
  const files: PlannedFile[] = [
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

async function requireInstalled(ctx: StepContext): Promise<string> {
  if (!usesDistroContainerd(ctx)) {
    throw new KjoinError('config', `containerd from the upstream release is not available in this kjoin release (${ctx.facts.os.prettyName ?? ctx.facts.os.id} has no containerd package, or containerd.source is upstream)`, {
      hint: 'use --containerd-source distro on Debian or Ubuntu, or install containerd 1.7+ yourself before joining',
    });
  }
  const version = await detectContainerdVersion(ctx);
  if (!version) {
    throw new KjoinError('step-failed', 'containerd is not installed although the packages step ran', {
      hint: 'check the package manager output in /var/log/kjoin.log, install containerd, and run kjoin join again',
    });
  }
  return version;
}

/** Waits until containerd answers on its socket, so the next steps never race its start. */
async function waitForContainerd(ctx: StepContext): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const result = await ctx.ports.exec.run('ctr', ['--address', PATHS.containerdSocket, 'version'], { timeoutMs: 10_000 });
    if (result.exitCode === 0) return;
    await ctx.ports.clock.sleep(500, ctx.signal);
  }
  const journal = await ctx.ports.systemd.journalTail(UNIT, 20);
  throw new KjoinError('step-failed', `containerd does not answer on ${PATHS.containerdSocket}`, {
    hint: `see journalctl -u containerd${journal ? `; last lines:\n${journal}` : ''}`,
  });
}

/**
 * containerd installed (distribution package), /etc/containerd/config.toml rendered with the host's cgroup driver
 * and the Kubernetes version's pause image, registry mirrors and proxy drop-in when set, enabled and started.
 * Idempotency: no-op when every file matches and the unit is enabled and active; restarted only when its
 * configuration changed while it was running.
 */
export const containerdStep: Step = {
  id: 'containerd',
  title: 'Install and configure containerd',
  phase: 'runtime',
  async plan(ctx) {
    return emptyPlan({
      files: await renderContainerdFiles(ctx),
      commands: [['systemctl', 'enable', '--now', UNIT], ['ctr', 'version']],
      notes: [usesDistroContainerd(ctx) ? 'containerd from the distribution package (installed by the packages step)' : 'containerd from the upstream release'],
    });
  },
  async check(ctx) {
    if (!(await detectContainerdVersion(ctx))) return { status: 'needed', reason: 'containerd is not installed' };
    const files = await listFilesOutOfPlace(ctx, 'containerd', await renderContainerdFiles(ctx));
    const enabled = (await ctx.ports.systemd.isEnabled(UNIT)) === 'enabled';
    const active = await ctx.ports.systemd.isActive(UNIT);
    const reasons = [...files, ...(enabled ? [] : ['not enabled']), ...(active ? [] : ['not running'])];
    return reasons.length ? { status: 'needed', reason: reasons.join(', ') } : { status: 'done' };
  },
  async apply(ctx) {
    const version = await requireInstalled(ctx);
    const files = await renderContainerdFiles(ctx);
    const wasActive = await ctx.ports.systemd.isActive(UNIT);
    const written = await writeComponentFiles(ctx, 'containerd', files);
    const touched = [...written.changed, ...written.removed];
    if (touched.some((path) => path.startsWith('/etc/systemd/'))) await ctx.ports.systemd.daemonReload();
    await ctx.ports.systemd.enable(UNIT, { now: true });
    if (wasActive && touched.length > 0) {
      ctx.reporter.progress('restarting containerd: its configuration changed');
      await ctx.ports.systemd.restart(UNIT);
    }
    await waitForContainerd(ctx);
    ctx.state.recordComponent('containerd', { version, source: 'distro', files: recordFiles(files), backups: written.backups, units: [UNIT] }, ctx.ports.clock.now());
    return { message: `containerd ${version} running${written.changed.length ? ` (wrote ${written.changed.join(', ')})` : ''}` };
  },
};
