import { emptyPlan, type Step, type StepContext } from '../engine/step.js';
import { createPackageManager, ensurePackages } from '../platform/ensure-packages.js';
import { partitionInstalled, type LogicalPackage, type PackageManagerBackend } from '../platform/package-manager.js';
import { requiredPackages } from '../platform/package-names.js';
import { preseedContainerdFiles } from './containerd.js';
import { usesDistroContainerd } from './containerd-source.js';

function wantedPackages(ctx: StepContext): LogicalPackage[] {
  // wireguard-tools is small and lets the node (and Kilo) manage keys with wg(8) where it is packaged.
  return requiredPackages(ctx.facts, { wireguard: true, distroContainerd: usesDistroContainerd(ctx) });
}

/** Distribution package names still missing; optional ones recorded as unavailable earlier are not asked again. */
async function listMissing(ctx: StepContext, backend: PackageManagerBackend): Promise<string[]> {
  const skipped = ctx.state.component('packages')?.skippedPackages ?? [];
  const names = wantedPackages(ctx)
    .map((logical) => backend.resolve(logical))
    .filter((r) => r.availability !== 'unavailable')
    .flatMap((r) => r.names)
    .filter((name) => !skipped.includes(name));
  return partitionInstalled(names, await backend.installed(names)).missing;
}

/**
 * Installs what a node needs from the distribution in one transaction (conntrack, iptables, socat, ethtool,
 * ebtables, kmod, procps, ca-certificates, wireguard-tools, and containerd when it comes from the distribution),
 * never software-properties-common. When it installs containerd it writes containerd's configuration first
 * (preseedContainerdFiles), so the package starts containerd on kjoin's configuration and nothing restarts it.
 * Idempotency: no-op when dpkg/rpm reports every package installed; package lists are refreshed only when
 * something is missing and they are stale.
 */
export const packagesStep: Step = {
  id: 'packages',
  title: 'Install prerequisite packages',
  phase: 'system',
  async plan(ctx) {
    const backend = createPackageManager(ctx.facts, ctx.ports);
    const missing = await listMissing(ctx, backend);
    return emptyPlan({ commands: missing.length ? [backend.installCommand(missing)] : [], notes: [`packages: ${wantedPackages(ctx).join(', ')}`] });
  },
  async check(ctx) {
    const missing = await listMissing(ctx, createPackageManager(ctx.facts, ctx.ports));
    return missing.length ? { status: 'needed', reason: `missing ${missing.join(', ')}` } : { status: 'done', reason: 'all installed' };
  },
  async apply(ctx) {
    const backend = createPackageManager(ctx.facts, ctx.ports);
    const containerdNames = usesDistroContainerd(ctx) ? backend.resolve('containerd').names : [];
    const result = await ensurePackages(backend, wantedPackages(ctx), {
      onProgress: (progress) => {
        ctx.reporter.progress(progress.message, progress.package ? { package: progress.package, kind: progress.kind } : { kind: progress.kind });
        // apt-get install running (or a wait for the dpkg lock) is the long wait: the steps that need no package
        // (kubelet, CNI, crictl) start now. Not apt-get update: kjoin's own work between it and the install would
        // only be slowed by theirs.
        if (progress.kind === 'install' || progress.kind === 'lock-wait') ctx.longWait();
      },
      beforeInstall: async (packages) => {
        if (!packages.some((name) => containerdNames.includes(name))) return;
        const written = await preseedContainerdFiles(ctx);
        if (written.length) ctx.reporter.progress(`wrote ${written.join(', ')} first, so containerd starts on it`);
      },
    });
    const previous = ctx.state.component('packages');
    ctx.state.recordComponent(
      'packages',
      {
        source: backend.name,
        packages: [...new Set([...(previous?.packages ?? []), ...result.installed])].sort(),
        skippedPackages: result.skipped,
      },
      ctx.ports.clock.now(),
    );
    const parts = [result.installed.length ? `installed ${result.installed.join(', ')}` : 'nothing to install'];
    if (result.skipped.length) parts.push(`skipped ${result.skipped.join(', ')} (not offered by any repository)`);
    return { message: parts.join('; ') };
  },
};
