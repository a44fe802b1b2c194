/** What kjoin detects about the host. Kept apart from what the user asked for (the config). */

export type OsFamily = 'debian' | 'rhel' | 'amazon' | 'suse' | 'alpine' | 'arch' | 'other';
export type OsSupport = 'supported' | 'best-effort' | 'unsupported';
export type PackageManager = 'apt' | 'dnf' | 'yum' | 'zypper' | 'apk' | 'pacman';
export type Arch = 'amd64' | 'arm64';
export type CloudProvider =
  | 'aws'
  | 'gcp'
  | 'azure'
  | 'scaleway'
  | 'hetzner'
  | 'ovh'
  | 'digitalocean'
  | 'equinix'
  | 'vultr'
  | 'linode'
  | 'oracle'
  | 'civo';

export interface OsFacts {
  id: string;
  versionId: string | null;
  idLike: string[];
  name: string;
  prettyName: string | null;
  versionCodename: string | null;
  family: OsFamily;
  support: OsSupport;
  supportReason: string;
}

export interface AddressFact {
  interface: string;
  family: 'ipv4' | 'ipv6';
  address: string;
  /** Private (RFC 1918, CGNAT, ULA, link-local, loopback) or public. */
  scope: 'private' | 'public';
}

export interface Facts {
  os: OsFacts;
  packageManager: PackageManager | null;
  /** Normalised architecture; null when the machine is neither amd64 nor arm64 (see rawArch). */
  arch: Arch | null;
  /** `uname -m` style machine string as detected. */
  rawArch: string;
  kernel: string;
  memoryBytes: number;
  swapBytes: number;
  cpus: number;
  cgroup: { version: 1 | 2 | null };
  initSystem: 'systemd' | 'other';
  cloud: { provider: CloudProvider | null; vendor: string | null; product: string | null };
  addresses: AddressFact[];
  /**
   * Reachability from the addresses alone: 'public' when an interface holds a public address, else 'nat'. join
   * refines it to 'one-to-one-nat' with the address the control plane (Kosmos external_ip) or an echo URL sees.
   */
  nat: 'public' | 'one-to-one-nat' | 'nat';
  wireguard: { kernel: boolean; userspace: boolean };
  apparmor: { enabled: boolean; parser: boolean };
  hostname: string;
}
