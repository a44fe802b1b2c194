/**
 * apt backend (Debian, Ubuntu). The exact commands, all with DEBIAN_FRONTEND=noninteractive,
 * APT_LISTCHANGES_FRONTEND=none, NEEDRESTART_SUSPEND=1 and LC_ALL=C in the environment:
 *
 *   installed:  dpkg-query -W -f=${Package}\t${Status}\t${Version}\n <pkg>...
 *   refresh:    apt-get -q [-o DPkg::Lock::Timeout=<s>] update
 *               (only when no *_Packages index exists or the newest list/stamp is older than maxAgeMs)
 *   install:    apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
 *               [-o DPkg::Lock::Timeout=<s>] install --no-install-recommends <missing pkg>...
 *               (only the packages dpkg-query reports as not installed; one update + retry when a skipped
 *               update left lists too old to fetch from)
 *   candidate:  apt-cache policy <pkg>
 *   apt version (once, for the lock timeout option, apt ≥ 1.9.11): apt-get --version
 *
 * kjoin never installs software-properties-common: repositories, when needed, are plain files it writes.
 */
import { KjoinError } from '../errors.js';
import type { ExecResult } from '../io/exec.js';
import type { Ports } from '../engine/step.js';
import type { OsFacts } from '../facts/types.js';
import { measureAptListsAge } from './apt-lists.js';
import {
  DPKG_QUERY_FORMAT,
  findAptError,
  parseAptCandidate,
  parseAptProgressLine,
  parseAptVersion,
  parseDpkgQuery,
  supportsLockTimeout,
} from './apt-output.js';
import { APT_ENV, runAptGet, type AptRunOptions } from './apt-run.js';
import { describeAge } from './cache-age.js';
import { resolvePackage } from './package-names.js';
import {
  partitionInstalled,
  type InstallResult,
  type LogicalPackage,
  type PackageManagerBackend,
  type PackageProgress,
  type PackageProgressListener,
  type PackageResolution,
} from './package-manager.js';

export const APT_INSTALL_FLAGS = [
  '-y',
  '-q',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
] as const;

export interface AptBackendOptions {
  /** How long to wait for another apt/dpkg run to release the lock (default 10 minutes). */
  lockTimeoutMs?: number;
  /** Poll interval while waiting for the lock on apt < 1.9.11 (default 5 s). */
  lockPollMs?: number;
}

/**
 * apt's refusal after a dpkg run was killed half-way (an earlier kjoin or apt SIGKILLed, a reboot mid-install):
 * "E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem."
 */
const DPKG_INTERRUPTED = /dpkg was interrupted, you must manually run '?dpkg --configure -a'?/i;

/** dpkg's own options for finishing an interrupted run: as apt-get runs it, keeping changed configuration files. */
const DPKG_FINISH_ARGS = ['--force-confdef', '--force-confold', '--configure', '-a'] as const;

/** Signs that an install failed because the lists are older than the mirror (superseded versions gone). */
const STALE_LISTS = /404\s+Not Found|Unable to fetch some archives|Unable to locate package|has no installation candidate/i;

export class AptBackend implements PackageManagerBackend {
  readonly name = 'apt';
  private aptVersion: Promise<number[] | null> | undefined;
  private refreshed = false;
  private readonly lockTimeoutMs: number;
  private readonly lockPollMs: number;

  constructor(
    private readonly ports: Ports,
    private readonly os: OsFacts,
    options: AptBackendOptions = {},
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10 * 60_000;
    this.lockPollMs = options.lockPollMs ?? 5_000;
  }

  resolve(logical: LogicalPackage): PackageResolution {
    return resolvePackage(logical, this.os, 'apt');
  }

  packageNames(logical: LogicalPackage): string[] {
    return this.resolve(logical).names;
  }

  installCommand(pkgs: string[]): string[] {
    return ['apt-get', ...APT_INSTALL_FLAGS, 'install', '--no-install-recommends', ...pkgs];
  }

  async installed(pkgs: string[]): Promise<Map<string, string | null>> {
    if (pkgs.length === 0) return new Map();
    const result = await this.ports.exec.run('dpkg-query', ['-W', `-f=${DPKG_QUERY_FORMAT}`, ...pkgs], {
      env: { LC_ALL: 'C' },
    });
    // Exit 1 only means some names are unknown to dpkg ("no packages found matching"); the rest still print.
    if (result.exitCode > 1) {
      throw new KjoinError('step-failed', `dpkg-query failed: ${findAptError(result.stderr, result.stdout)}`, {
        hint: 'check that dpkg works ("dpkg --audit"); run "dpkg --configure -a" if a previous install was interrupted',
      });
    }
    const versions = parseDpkgQuery(result.stdout);
    return new Map(pkgs.map((pkg) => [pkg, versions.get(pkg) ?? null]));
  }

  async refreshIfStale(maxAgeMs: number, onProgress?: PackageProgressListener): Promise<boolean> {
    const age = await measureAptListsAge(this.ports.fs, this.ports.clock.now().getTime());
    if (age !== null && age <= maxAgeMs) return false;
    const why = age === null ? 'no package lists yet' : `package lists are ${describeAge(age)} old`;
    await this.update(`${why}: running apt-get update`, onProgress);
    return true;
  }

  async install(pkgs: string[], onProgress?: PackageProgressListener): Promise<InstallResult> {
    const { missing, present } = partitionInstalled(pkgs, await this.installed(pkgs));
    if (missing.length === 0) return { installed: [], alreadyInstalled: present };
    let result = await this.runInstall(missing, onProgress);
    if (result.exitCode !== 0 && DPKG_INTERRUPTED.test(`${result.stderr}\n${result.stdout}`)) {
      // What apt asks the operator to do, done once: a join killed at any point converges when run again.
      await this.finishInterruptedDpkg(onProgress);
      result = await this.runInstall(missing, onProgress);
    }
    if (result.exitCode !== 0 && !this.refreshed && STALE_LISTS.test(`${result.stderr}\n${result.stdout}`)) {
      await this.update('the package lists look outdated: running apt-get update and retrying', onProgress);
      result = await this.runInstall(missing, onProgress);
    }
    if (result.exitCode !== 0) {
      const names = missing.join(' ');
      throw new KjoinError('step-failed', `apt-get install ${names} failed: ${findAptError(result.stderr, result.stdout)}`, {
        hint: `run "apt-get install ${names}" by hand to see the whole error, fix it, then run kjoin again`,
      });
    }
    return { installed: missing, alreadyInstalled: present };
  }

  async candidateVersion(pkg: string): Promise<string | null> {
    const result = await this.ports.exec.run('apt-cache', ['policy', pkg], { env: { LC_ALL: 'C' } });
    return result.exitCode === 0 ? parseAptCandidate(result.stdout) : null;
  }

  /** `dpkg --configure -a`: configures the packages an interrupted dpkg run left unpacked or half-configured. */
  private async finishInterruptedDpkg(onProgress?: PackageProgressListener): Promise<void> {
    onProgress?.({ kind: 'configure', message: 'an earlier dpkg run was interrupted: running dpkg --configure -a to finish it' });
    const result = await this.ports.exec.run('dpkg', [...DPKG_FINISH_ARGS], {
      env: APT_ENV,
      timeoutMs: 30 * 60_000,
      onLine: (_stream, line) => {
        const progress = parseAptProgressLine(line);
        if (progress) onProgress?.(progress);
      },
    });
    if (result.exitCode !== 0) {
      throw new KjoinError('step-failed', `dpkg --configure -a failed: ${findAptError(result.stderr, result.stdout)}`, {
        hint: 'an earlier package installation was interrupted and cannot be finished: run "dpkg --configure -a" by hand to see why, fix it, then run kjoin again',
      });
    }
  }

  /** apt-get update; `message` is reported once it runs. */
  private async update(message: string, onProgress?: PackageProgressListener): Promise<void> {
    const args = ['-q', ...(await this.lockOptions()), 'update'];
    const result = await runAptGet(this.ports, args, await this.runOptions(10 * 60_000, onProgress, { kind: 'refresh', message }));
    if (result.exitCode !== 0) {
      throw new KjoinError('step-failed', `apt-get update failed: ${findAptError(result.stderr, result.stdout)}`, {
        hint: 'check /etc/apt/sources.list and /etc/apt/sources.list.d/, and that this host reaches its mirrors (proxy: HTTPS_PROXY)',
      });
    }
    this.refreshed = true;
  }

  private async runInstall(pkgs: string[], onProgress?: PackageProgressListener): Promise<ExecResult> {
    const args = [...APT_INSTALL_FLAGS, ...(await this.lockOptions()), 'install', '--no-install-recommends', ...pkgs];
    return runAptGet(this.ports, args, await this.runOptions(30 * 60_000, onProgress, { kind: 'install', message: `installing ${pkgs.join(', ')}` }));
  }

  /**
   * How apt-get runs; `started` is reported once it does (a lock wait before it, with apt < 1.9.11, comes first),
   * so "installing ..." means apt is at work.
   */
  private async runOptions(timeoutMs: number, onProgress: PackageProgressListener | undefined, started: PackageProgress): Promise<AptRunOptions> {
    const aptWaitsForLock = supportsLockTimeout(await this.detectAptVersion());
    let reported = false;
    const onSpawn = () => {
      if (!reported) onProgress?.(started);
      reported = true;
    };
    return { onProgress, timeoutMs, lockTimeoutMs: this.lockTimeoutMs, lockPollMs: this.lockPollMs, aptWaitsForLock, onSpawn };
  }

  private async lockOptions(): Promise<string[]> {
    if (!supportsLockTimeout(await this.detectAptVersion())) return [];
    return ['-o', `DPkg::Lock::Timeout=${Math.ceil(this.lockTimeoutMs / 1000)}`];
  }

  private detectAptVersion(): Promise<number[] | null> {
    this.aptVersion ??= this.ports.exec
      .run('apt-get', ['--version'], { env: APT_ENV })
      .then((result) => (result.exitCode === 0 ? parseAptVersion(result.stdout) : null));
    return this.aptVersion;
  }
}
