import type { Facts, OsFacts } from '../facts/types.js';
import type { LogicalPackage, PackageResolution } from './package-manager.js';

/** The package managers kjoin drives. */
export type BackendName = 'apt' | 'dnf' | 'yum';

/** Major version from os-release VERSION_ID ("9.4" → 9, "2023" → 2023); null when absent or odd. */
function detectMajorVersion(os: OsFacts): number | null {
  const major = Number.parseInt(os.versionId ?? '', 10);
  return Number.isFinite(major) ? major : null;
}

/** Which RPM generation a host belongs to: it decides iptables-nft vs iptables and where wireguard-tools lives. */
type RpmGeneration = 'legacy' | 'el8' | 'modern';

function detectRpmGeneration(os: OsFacts): RpmGeneration {
  const major = detectMajorVersion(os);
  if (os.id === 'fedora') return 'modern';
  if (os.id === 'amzn') return major === 2023 || (major !== null && major > 2023) ? 'modern' : 'legacy';
  if (major === null) return 'modern';
  if (major <= 7) return 'legacy';
  return major === 8 ? 'el8' : 'modern';
}

const makeBase = (...names: string[]): PackageResolution => ({ names, availability: 'base' });
const makeOptional = (note: string, ...names: string[]): PackageResolution => ({ names, availability: 'optional', note });
const makeUnavailable = (note: string): PackageResolution => ({ names: [], availability: 'unavailable', note });

/** Debian and Ubuntu use the logical names for everything kjoin needs. */
function resolveForApt(logical: LogicalPackage): PackageResolution {
  return makeBase(logical);
}

function resolveForRpm(logical: LogicalPackage, os: OsFacts): PackageResolution {
  const generation = detectRpmGeneration(os);
  switch (logical) {
    case 'conntrack':
      return makeBase('conntrack-tools');
    case 'iptables':
      // On EL9, Fedora and AL2023 the "iptables" name is only a Provides of iptables-nft; rpm -q needs the real name.
      return makeBase(generation === 'modern' ? 'iptables-nft' : 'iptables');
    case 'ebtables':
      if (generation === 'el8') return makeOptional('ebtables on EL8 is the nft-based iptables-ebtables', 'iptables-ebtables');
      if (generation === 'legacy') return makeOptional('ebtables is not in every EL7/AL2 repository', 'ebtables');
      return makeUnavailable('ebtables-nft ships with iptables-nft here');
    case 'wireguard-tools':
      if (generation === 'modern') return makeBase('wireguard-tools');
      return makeOptional('wireguard-tools comes from EPEL on this release; enable EPEL to get wg(8)', 'wireguard-tools');
    case 'containerd':
      // Fedora and Amazon Linux package containerd themselves; RHEL-family bases only have it in docker-ce's repo.
      if (os.id === 'fedora' || os.id === 'amzn') return makeBase('containerd');
      return makeUnavailable('containerd is not in the base repositories; the upstream release is used instead');
    case 'apparmor':
      return makeUnavailable('this distribution uses SELinux, not AppArmor');
    case 'procps':
      return makeBase('procps-ng');
    default:
      return makeBase(logical);
  }
}

/** Distribution package names for a logical package on this host. */
export function resolvePackage(logical: LogicalPackage, os: OsFacts, manager: BackendName): PackageResolution {
  return manager === 'apt' ? resolveForApt(logical) : resolveForRpm(logical, os);
}

export interface RequiredPackagesOptions {
  /** The node joins a WireGuard mesh, so wg(8) is needed. */
  wireguard?: boolean;
  /** containerd comes from the distribution (config containerd.source = distro) when it is packaged there. */
  distroContainerd?: boolean;
}

/**
 * The logical packages a worker node needs on this host: kubelet's runtime dependencies (conntrack, iptables,
 * socat, ethtool, ebtables where it exists), module/sysctl tools, CA roots, plus AppArmor's parser when the
 * kernel enforces AppArmor but the parser is missing (containerd cannot load its profile without it).
 * Packages that the distribution does not ship are left out; ask resolvePackage() to learn why.
 */
export function requiredPackages(facts: Facts, options: RequiredPackagesOptions = {}): LogicalPackage[] {
  const wanted: LogicalPackage[] = ['ca-certificates', 'conntrack', 'iptables', 'socat', 'ethtool', 'ebtables', 'kmod', 'procps'];
  if (facts.apparmor.enabled && !facts.apparmor.parser) wanted.push('apparmor');
  if (options.wireguard) wanted.push('wireguard-tools');
  if (options.distroContainerd) wanted.push('containerd');
  const manager = facts.packageManager;
  if (manager !== 'apt' && manager !== 'dnf' && manager !== 'yum') return wanted;
  return wanted.filter((logical) => resolvePackage(logical, facts.os, manager).availability !== 'unavailable');
}
