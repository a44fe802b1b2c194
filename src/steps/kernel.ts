import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import { findModule } from '../preflight/kernel-checks.js';
import { PATHS } from '../render/paths.js';
import { listKernelModules, listSysctls, renderModulesLoad, renderSysctlConf } from '../render/kernel-conf.js';
import { listFilesOutOfPlace, recordFiles, writeComponentFiles } from './managed-files.js';

async function hasIpv6(ctx: StepContext): Promise<boolean> {
  return ctx.ports.fs.exists('/proc/sys/net/ipv6');
}

async function renderKernelFiles(ctx: StepContext): Promise<PlannedFile[]> {
  return [
    { path: PATHS.modulesLoadConf, mode: 0o644, content: renderModulesLoad() },
    { path: PATHS.sysctlConf, mode: 0o644, content: renderSysctlConf({ ipv6: await hasIpv6(ctx) }) },
  ];
}

function procSysPath(key: string): string {
  return `/proc/sys/${key.replaceAll('.', '/')}`;
}

async function listModulesMissing(ctx: StepContext): Promise<string[]> {
  const missing: string[] = [];
  for (const name of listKernelModules()) {
    const availability = await findModule({ ports: ctx.ports, kernel: ctx.facts.kernel }, name);
    if (availability !== 'loaded' && availability !== 'builtin') missing.push(name);
  }
  return missing;
}

async function listSysctlsDiffering(ctx: StepContext): Promise<Array<[string, string]>> {
  const wanted = listSysctls({ ipv6: await hasIpv6(ctx) });
  const differing: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(wanted)) {
    if ((await ctx.ports.fs.readTextOrNull(procSysPath(key)))?.trim() !== value) differing.push([key, value]);
  }
  return differing;
}

/**
 * overlay and br_netfilter loaded now and at boot (/etc/modules-load.d), forwarding and bridge-netfilter sysctls
 * set now and at boot (/etc/sysctl.d). Idempotency: no-op when both files match, the modules are present and
 * every sysctl already has its value; only what differs is loaded or set.
 */
export const kernelStep: Step = {
  id: 'kernel',
  title: 'Load kernel modules and set sysctls',
  phase: 'system',
  async plan(ctx) {
    const commands = [...(await listModulesMissing(ctx)).map((m) => ['modprobe', m])];
    for (const [key, value] of await listSysctlsDiffering(ctx)) commands.push(['sysctl', '-w', `${key}=${value}`]);
    return emptyPlan({ files: await renderKernelFiles(ctx), commands });
  },
  async check(ctx) {
    const files = await listFilesOutOfPlace(ctx, 'kernel', await renderKernelFiles(ctx));
    const modules = await listModulesMissing(ctx);
    const sysctls = await listSysctlsDiffering(ctx);
    if (files.length + modules.length + sysctls.length === 0) return { status: 'done' };
    const reasons = [...files, ...modules.map((m) => `${m} not loaded`), ...sysctls.map(([k]) => `${k} not set`)];
    return { status: 'needed', reason: reasons.join(', ') };
  },
  async apply(ctx) {
    const files = await renderKernelFiles(ctx);
    const written = await writeComponentFiles(ctx, 'kernel', files);
    for (const name of await listModulesMissing(ctx)) {
      ctx.reporter.progress(`loading kernel module ${name}`);
      const result = await ctx.ports.exec.run('modprobe', [name], { timeoutMs: 30_000 });
      if (result.exitCode !== 0) {
        throw new KjoinError('step-failed', `modprobe ${name} failed: ${result.stderr.split('\n')[0] || `exit ${result.exitCode}`}`, {
          hint: `install the kernel modules package for ${ctx.facts.kernel || 'the running kernel'} (linux-modules-extra on Ubuntu) or reboot into the newest kernel`,
        });
      }
    }
    for (const [key, value] of await listSysctlsDiffering(ctx)) {
      ctx.reporter.progress(`setting ${key}=${value}`);
      const result = await ctx.ports.exec.run('sysctl', ['-w', `${key}=${value}`], { timeoutMs: 10_000 });
      if (result.exitCode !== 0) {
        throw new KjoinError('step-failed', `cannot set ${key}=${value}: ${result.stderr.split('\n')[0] || `exit ${result.exitCode}`}`, {
          hint: `/proc/sys may be read-only here (a container): set ${key}=${value} on the host; ${PATHS.sysctlConf} keeps it across reboots`,
        });
      }
    }
    ctx.state.recordComponent('kernel', { files: recordFiles(files), backups: written.backups }, ctx.ports.clock.now());
    return { message: `kernel modules and sysctls in place${written.changed.length ? ` (wrote ${written.changed.join(', ')})` : ''}` };
  },
};
