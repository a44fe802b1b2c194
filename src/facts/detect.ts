import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import { classifyNat } from '../wireguard/nat.js';
import { detectAddresses } from './addresses.js';
import { detectArch } from './arch.js';
import { detectCgroupVersion, detectInitSystem } from './cgroup-init.js';
import { detectCloud } from './cloud.js';
import { detectAppArmor, detectWireguard } from './kernel-features.js';
import { classifyOs, detectPackageManager, readOsRelease } from './os-release.js';
import { detectResources } from './resources.js';
import type { Facts } from './types.js';

export interface DetectPorts {
  fs: FileSystem;
  exec: Exec;
}

export interface DetectOptions {
  /** Defaults to the file system's root; node:os fallbacks are used only when it is '/'. */
  hostRoot?: string;
}

/**
 * What kjoin knows about the host, read through the ports so `--host-root DIR` and tests work alike.
 * Never throws for a missing or unreadable file — that fact is reported as unknown — so it runs as a
 * non-root user. Everything independent runs in parallel; only WireGuard waits for the kernel release.
 */
export async function detectFacts(ports: DetectPorts, options: DetectOptions = {}): Promise<Facts> {
  const { fs, exec } = ports;
  const hostRoot = options.hostRoot ?? fs.root;
  const resourcesPromise = detectResources(fs, { hostRoot });
  const [osFields, arch, resources, cgroupVersion, initSystem, cloud, apparmor, wireguard] = await Promise.all([
    readOsRelease(fs),
    detectArch(exec),
    resourcesPromise,
    detectCgroupVersion(fs),
    detectInitSystem(fs),
    detectCloud(fs),
    detectAppArmor(fs),
    resourcesPromise.then((r) => detectWireguard(fs, exec, r.kernel)),
  ]);
  const os = classifyOs(osFields);
  const addresses = detectAddresses();
  return {
    os,
    packageManager: detectPackageManager(os),
    arch: arch.arch,
    rawArch: arch.rawArch,
    kernel: resources.kernel,
    memoryBytes: resources.memoryBytes,
    swapBytes: resources.swapBytes,
    cpus: resources.cpus,
    cgroup: { version: cgroupVersion },
    initSystem,
    cloud,
    addresses,
    nat: classifyNat(addresses),
    wireguard,
    apparmor,
    hostname: resources.hostname,
  };
}
