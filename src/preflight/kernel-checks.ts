import type { Ports } from '../engine/step.js';
import type { PreflightCheck } from './types.js';
import { fail, ok, warn } from './types.js';

/** Kernel modules containerd (overlayfs snapshotter) and kube-proxy/CNI (bridged traffic through iptables) need. */
export const REQUIRED_MODULES = ['overlay', 'br_netfilter'] as const;

export type ModuleAvailability = 'loaded' | 'builtin' | 'loadable' | null;

/** The kernel treats '-' and '_' in module names alike. */
function normaliseModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

/** Module name from a modules.dep / modules.builtin path: kernel/net/bridge/br_netfilter.ko.zst → br_netfilter. */
function moduleNameFromPath(entry: string): string {
  const base = entry.slice(entry.lastIndexOf('/') + 1);
  return normaliseModuleName(base.replace(/\.ko(\.(xz|zst|gz))?$/, ''));
}

/** Whether `name` appears in the text of /lib/modules/<release>/modules.dep or modules.builtin. */
export function listsModule(text: string, name: string): boolean {
  const wanted = normaliseModuleName(name);
  return text.split('\n').some((line) => {
    const path = line.split(':')[0]?.trim() ?? '';
    return path !== '' && moduleNameFromPath(path) === wanted;
  });
}

/** Whether /proc/modules (one "name size refcount deps state address" line per module) lists `name`. */
export function isModuleLoaded(procModules: string, name: string): boolean {
  const wanted = normaliseModuleName(name);
  return procModules.split('\n').some((line) => normaliseModuleName(line.split(' ')[0] ?? '') === wanted);
}

/** The ports module detection reads through, and the running kernel's release from the facts. */
export interface ModuleProbe {
  ports: Pick<Ports, 'fs' | 'exec'>;
  kernel: string;
}

async function readKernelRelease(probe: ModuleProbe): Promise<string | null> {
  if (probe.kernel) return probe.kernel;
  const result = await probe.ports.exec.run('uname', ['-r']);
  return result.exitCode === 0 && result.stdout.trim() ? result.stdout.trim() : null;
}

/** What a module makes visible once it is in the kernel, whether built in or loaded. */
async function providesFeature(probe: ModuleProbe, name: string): Promise<boolean> {
  const { fs } = probe.ports;
  switch (normaliseModuleName(name)) {
    case 'br_netfilter':
      return fs.exists('/proc/sys/net/bridge/bridge-nf-call-iptables');
    case 'overlay':
      return /^nodev\s+overlay$/m.test((await fs.readTextOrNull('/proc/filesystems')) ?? '');
    default:
      return false;
  }
}

/** Loaded now, built in, or loadable by modprobe (which is what join will do). */
export async function findModule(probe: ModuleProbe, name: string): Promise<ModuleAvailability> {
  const { fs, exec } = probe.ports;
  const procModules = await fs.readTextOrNull('/proc/modules');
  if (procModules !== null && isModuleLoaded(procModules, name)) return 'loaded';
  if (await fs.exists(`/sys/module/${normaliseModuleName(name)}`)) return 'loaded';
  // A module compiled into a kernel that ships no /lib/modules (many cloud and micro-VM kernels) shows only
  // by what it provides.
  if (await providesFeature(probe, name)) return 'builtin';

  const release = await readKernelRelease(probe);
  if (release) {
    const builtin = await fs.readTextOrNull(`/lib/modules/${release}/modules.builtin`);
    if (builtin !== null && listsModule(builtin, name)) return 'builtin';
    const dep = await fs.readTextOrNull(`/lib/modules/${release}/modules.dep`);
    if (dep !== null && listsModule(dep, name)) return 'loadable';
  }
  // Last resort for unusual module layouts: modprobe's dry run resolves aliases and install rules too.
  const dryRun = await exec.run('modprobe', ['-n', name], { timeoutMs: 10_000 });
  return dryRun.exitCode === 0 ? 'loadable' : null;
}

function describeAvailability(name: string, availability: Exclude<ModuleAvailability, null>): string {
  switch (availability) {
    case 'loaded':
      return `${name} is loaded`;
    case 'builtin':
      return `${name} is built into the kernel`;
    case 'loadable':
      return `${name} is available; join will load it and keep it loaded across reboots`;
  }
}

export function checkKernelModule(name: string): PreflightCheck {
  return {
    id: `module-${name}`,
    title: `kernel module ${name}`,
    async run(ctx) {
      const availability = await findModule({ ports: ctx.ports, kernel: ctx.facts.kernel }, name);
      if (availability) return ok(describeAvailability(name, availability));
      return fail(
        `kernel module ${name} is neither loaded nor available for kernel ${ctx.facts.kernel || 'unknown'}`,
        'install the modules package for the running kernel (e.g. linux-modules-extra-$(uname -r) on Ubuntu) or reboot into the newest installed kernel',
      );
    },
  };
}

export const checkIpForward: PreflightCheck = {
  id: 'ip-forward',
  title: 'IPv4 forwarding',
  async run({ ports }) {
    const value = (await ports.fs.readTextOrNull('/proc/sys/net/ipv4/ip_forward'))?.trim();
    if (value === '1') return ok('net.ipv4.ip_forward is 1');
    if (value === '0') {
      return warn(
        'net.ipv4.ip_forward is 0: pods cannot reach beyond the node until it is on; join will enable it',
        'nothing to do: join sets net.ipv4.ip_forward=1 and persists it under /etc/sysctl.d',
      );
    }
    return warn(
      'cannot read /proc/sys/net/ipv4/ip_forward',
      'check that the kernel has IPv4 networking; join will try to enable forwarding',
    );
  },
};
