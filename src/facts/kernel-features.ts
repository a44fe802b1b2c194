import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';

/** True when a modules.builtin / modules.dep listing names wireguard.ko (possibly compressed). */
export function listsWireguardModule(listing: string): boolean {
  return /(^|\/)wireguard\.ko(\.(xz|zst|gz))?(:|\s|$)/m.test(listing);
}

/** /sys/module/apparmor/parameters/enabled holds "Y" when AppArmor is active. */
export function parseAppArmorEnabled(text: string | null): boolean {
  return text?.trim() === 'Y';
}

/** Where userspace WireGuard is looked for under a host root that is not '/', where PATH means nothing. */
const USERSPACE_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];

/**
 * Kernel WireGuard: loaded (/sys/module/wireguard), built in or installable as a module (the kernel's
 * module lists, under /lib and merged-/usr /usr/lib), or — on the real host only, since modinfo reads
 * the running system — `modinfo wireguard` succeeds. Userspace: wireguard-go on PATH.
 */
export async function detectWireguard(fs: FileSystem, exec: Exec, kernel: string): Promise<{ kernel: boolean; userspace: boolean }> {
  const [kernelModule, userspace] = await Promise.all([hasKernelWireguard(fs, exec, kernel), hasUserspaceWireguard(fs, exec)]);
  return { kernel: kernelModule, userspace };
}

async function hasKernelWireguard(fs: FileSystem, exec: Exec, kernel: string): Promise<boolean> {
  if (await fs.exists('/sys/module/wireguard')) return true;
  if (kernel !== '') {
    for (const base of ['/lib/modules', '/usr/lib/modules']) {
      for (const list of ['modules.builtin', 'modules.dep']) {
        const text = await fs.readTextOrNull(`${base}/${kernel}/${list}`);
        if (text !== null && listsWireguardModule(text)) return true;
      }
    }
  }
  if (fs.root !== '/') return false;
  try {
    const result = await exec.run('modinfo', ['wireguard'], { timeoutMs: 2000 });
    return result.exitCode === 0;
  } catch {
    return false;
  }
}

async function hasUserspaceWireguard(fs: FileSystem, exec: Exec): Promise<boolean> {
  if (fs.root === '/') {
    try {
      return (await exec.which('wireguard-go')) !== null;
    } catch {
      return false;
    }
  }
  for (const dir of USERSPACE_DIRS) {
    if (await fs.exists(`${dir}/wireguard-go`)) return true;
  }
  return false;
}

/** AppArmor matters to containerd's default profile: enabled without a parser breaks pod starts. */
export async function detectAppArmor(fs: FileSystem): Promise<{ enabled: boolean; parser: boolean }> {
  const [enabled, sbin, usrSbin] = await Promise.all([
    fs.readTextOrNull('/sys/module/apparmor/parameters/enabled'),
    fs.exists('/sbin/apparmor_parser'),
    fs.exists('/usr/sbin/apparmor_parser'),
  ]);
  return { enabled: parseAppArmorEnabled(enabled), parser: sbin || usrSbin };
}
