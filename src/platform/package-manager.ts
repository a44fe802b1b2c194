/**
 * The one small interface every distribution package manager sits behind, so the packages step reads the
 * same on Debian and on RHEL. Backends: apt.ts (Debian, Ubuntu) and dnf.ts (RHEL family, Fedora, Amazon
 * Linux; yum where dnf is absent).
 */

/** Distribution-independent names the steps ask for; package-names.ts maps them per distribution. */
export type LogicalPackage =
  | 'conntrack'
  | 'iptables'
  | 'socat'
  | 'ethtool'
  | 'ca-certificates'
  | 'ebtables'
  | 'wireguard-tools'
  | 'containerd'
  | 'apparmor'
  | 'kmod'
  | 'procps';

/**
 * How a logical package is found on a distribution:
 * - `base`: in the default repositories; failing to install it fails the step.
 * - `optional`: only in an extra repository (EPEL...); installed when a candidate exists, skipped otherwise.
 * - `unavailable`: not packaged there; the caller uses another source (e.g. containerd's upstream tarball).
 */
export interface PackageResolution {
  names: string[];
  availability: 'base' | 'optional' | 'unavailable';
  /** Why it is optional or unavailable, for the plan and the skip message. */
  note?: string;
}

export type PackageProgressKind = 'lock-wait' | 'refresh' | 'download' | 'unpack' | 'configure' | 'install' | 'skip';

/** One sub-progress line from a package manager run ("setting up conntrack"). */
export interface PackageProgress {
  kind: PackageProgressKind;
  message: string;
  /** Distribution package name, when the line is about one package. */
  package?: string;
}

export type PackageProgressListener = (progress: PackageProgress) => void;

export interface InstallResult {
  /** Packages this call installed. */
  installed: string[];
  /** Requested packages that were already installed (nothing done for them). */
  alreadyInstalled: string[];
}

export interface PackageManagerBackend {
  readonly name: 'apt' | 'dnf' | 'yum';
  /** Refreshes the package lists when they are older than `maxAgeMs` or missing; true when it refreshed. */
  refreshIfStale(maxAgeMs: number, onProgress?: PackageProgressListener): Promise<boolean>;
  /** Installed version of each package, or null when it is not (fully) installed. */
  installed(pkgs: string[]): Promise<Map<string, string | null>>;
  /** Installs the packages that are missing, non-interactively; throws KjoinError('step-failed') on failure. */
  install(pkgs: string[], onProgress?: PackageProgressListener): Promise<InstallResult>;
  /** Distribution package names for a logical package; empty when it is not packaged here. */
  packageNames(logical: LogicalPackage): string[];
  /** Full resolution (names + availability) for a logical package. */
  resolve(logical: LogicalPackage): PackageResolution;
  /** Version the package manager would install, or null when no repository offers the package. */
  candidateVersion(pkg: string): Promise<string | null>;
  /** The install command line, for --dry-run plans (the real run may add a lock timeout). */
  installCommand(pkgs: string[]): string[];
}

/** Requested packages split by the installed map: what to install and what is already there. */
export function partitionInstalled(
  pkgs: string[],
  installed: Map<string, string | null>,
): { missing: string[]; present: string[] } {
  const unique = [...new Set(pkgs)];
  return {
    missing: unique.filter((pkg) => installed.get(pkg) == null),
    present: unique.filter((pkg) => installed.get(pkg) != null),
  };
}
