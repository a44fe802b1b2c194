/**
 * The packages step's one call: make these logical packages present on whatever distribution this is.
 * Idempotent: when everything is installed it runs only the installed-version query, no refresh, no install.
 */
import { KjoinError } from '../errors.js';
import type { Ports } from '../engine/step.js';
import type { Facts } from '../facts/types.js';
import { AptBackend, type AptBackendOptions } from './apt.js';
import { DnfBackend } from './dnf.js';
import {
  partitionInstalled,
  type LogicalPackage,
  type PackageManagerBackend,
  type PackageProgressListener,
} from './package-manager.js';

/** The backend for this host's package manager; a KjoinError for the ones kjoin does not drive. */
export function createPackageManager(facts: Facts, ports: Ports, options: AptBackendOptions = {}): PackageManagerBackend {
  switch (facts.packageManager) {
    case 'apt':
      return new AptBackend(ports, facts.os, options);
    case 'dnf':
    case 'yum':
      return new DnfBackend(ports, facts.os, facts.packageManager);
    default:
      throw new KjoinError('preflight', `kjoin cannot install packages with ${facts.packageManager ?? 'no package manager'} on ${facts.os.prettyName ?? facts.os.id}`, {
        hint: 'install conntrack, iptables, socat, ethtool and ca-certificates yourself, or use a Debian, Ubuntu or RHEL-family host',
      });
  }
}

export interface EnsurePackagesResult {
  installed: string[];
  alreadyInstalled: string[];
  /** Optional packages no enabled repository offers (e.g. wireguard-tools on EL8 without EPEL). */
  skipped: string[];
  refreshed: boolean;
}

/** Package lists younger than this are used as they are; older ones are refreshed before an install. */
export const MAX_LIST_AGE_MS = 60 * 60_000;

export interface EnsurePackagesOptions {
  /** Package lists younger than this are used as they are (default MAX_LIST_AGE_MS, 1 hour). */
  maxListAgeMs?: number;
  onProgress?: PackageProgressListener;
  /** Called with the package names about to be installed, right before the one install transaction. */
  beforeInstall?: (packages: readonly string[]) => Promise<void>;
}

/**
 * Installs what is missing among `logical`: query installed versions, refresh stale lists only when
 * something is missing, skip optional packages without a candidate, install the rest in one transaction.
 */
export async function ensurePackages(
  backend: PackageManagerBackend,
  logical: readonly LogicalPackage[],
  options: EnsurePackagesOptions = {},
): Promise<EnsurePackagesResult> {
  const resolutions = logical.map((name) => backend.resolve(name));
  const required = resolutions.filter((r) => r.availability === 'base').flatMap((r) => r.names);
  const optional = resolutions.filter((r) => r.availability === 'optional');
  const all = [...new Set([...required, ...optional.flatMap((r) => r.names)])];
  const { missing, present } = partitionInstalled(all, await backend.installed(all));
  if (missing.length === 0) return { installed: [], alreadyInstalled: present, skipped: [], refreshed: false };

  const refreshed = await backend.refreshIfStale(options.maxListAgeMs ?? MAX_LIST_AGE_MS, options.onProgress);
  const skipped: string[] = [];
  for (const resolution of optional) {
    for (const pkg of resolution.names.filter((name) => missing.includes(name) && !required.includes(name))) {
      if ((await backend.candidateVersion(pkg)) !== null) continue;
      skipped.push(pkg);
      options.onProgress?.({ kind: 'skip', package: pkg, message: `skipping ${pkg}: ${resolution.note ?? 'no repository offers it'}` });
    }
  }
  const toInstall = missing.filter((pkg) => !skipped.includes(pkg));
  if (toInstall.length === 0) return { installed: [], alreadyInstalled: present, skipped, refreshed };
  await options.beforeInstall?.(toInstall);
  const result = await backend.install(toInstall, options.onProgress);
  return {
    installed: result.installed,
    alreadyInstalled: [...present, ...result.alreadyInstalled],
    skipped,
    refreshed,
  };
}
