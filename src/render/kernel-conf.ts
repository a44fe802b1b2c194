import { configError, renderHashHeader } from './common.js';

/**
 * /etc/sysctl.d/99-kubernetes-kjoin.conf and /etc/modules-load.d/kjoin.conf, built from the exported lists
 * (not a template) because the kernel step needs the same lists to apply them right away with modprobe and
 * `sysctl --system`, and to check them afterwards.
 */

/** overlay for containerd's snapshotter; br_netfilter so bridged pod traffic passes through iptables. */
export const KERNEL_MODULES: readonly string[] = ['overlay', 'br_netfilter'];

export const SYSCTLS_IPV4: Readonly<Record<string, string>> = {
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.ipv4.ip_forward': '1',
};

/**
 * Only when the host has IPv6 (/proc/sys/net/ipv6 exists): the key is absent otherwise and `sysctl --system`
 * reports an error. Forwarding makes the kernel ignore router advertisements on interfaces with accept_ra=1;
 * cloud images configure IPv6 through DHCPv6, cloud-init or systemd-networkd, which this does not affect.
 */
export const SYSCTLS_IPV6: Readonly<Record<string, string>> = {
  'net.ipv6.conf.all.forwarding': '1',
};

export interface SysctlInput {
  /** The host has IPv6 enabled. Default true. */
  ipv6?: boolean;
}

/** The settings renderSysctlConf writes, for the step to verify with `sysctl -n`. */
export function listSysctls(input: SysctlInput = {}): Record<string, string> {
  return { ...SYSCTLS_IPV4, ...(input.ipv6 === false ? {} : SYSCTLS_IPV6) };
}

export function renderSysctlConf(input: SysctlInput = {}): string {
  const settings = listSysctls(input);
  const lines = Object.keys(settings)
    .sort()
    .map((key) => `${key} = ${settings[key] as string}`);
  return `${renderHashHeader('Kernel settings a Kubernetes node needs; applied at boot by systemd-sysctl.')}${lines.join('\n')}\n`;
}

export interface ModulesLoadInput {
  /** Further modules to load at boot (e.g. wireguard); names are checked, order is kept after the base list. */
  extraModules?: readonly string[];
}

/** The modules renderModulesLoad writes, for the step to modprobe now rather than at the next boot. */
export function listKernelModules(input: ModulesLoadInput = {}): string[] {
  const modules = [...KERNEL_MODULES];
  for (const name of input.extraModules ?? []) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw configError(`kernel module name ${JSON.stringify(name)} is invalid`, 'module names use letters, digits, "_" and "-"');
    if (!modules.includes(name)) modules.push(name);
  }
  return modules;
}

export function renderModulesLoad(input: ModulesLoadInput = {}): string {
  return `${renderHashHeader('Kernel modules a Kubernetes node needs; loaded at boot by systemd-modules-load.')}${listKernelModules(input).join('\n')}\n`;
}
