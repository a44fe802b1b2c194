/**
 * dnf backend (RHEL 8/9 and rebuilds, Fedora, Amazon Linux 2023), with yum for hosts that only have yum
 * (Amazon Linux 2, EL7). The exact commands, all with LC_ALL=C:
 *
 *   installed:  rpm -q --queryformat %{NAME}\t%{VERSION}-%{RELEASE}\n <pkg>...
 *   refresh:    dnf makecache            | yum makecache fast
 *               (only when no local metadata cache exists or it is older than maxAgeMs)
 *   install:    dnf install -y --setopt=install_weak_deps=False <missing pkg>...
 *               | yum install -y <missing pkg>...        (yum 3 has no weak dependencies)
 *   candidate:  dnf info -q <pkg>        | yum info -q <pkg>
 *
 * dnf waits for another dnf holding its lock by itself; kjoin turns its "Waiting for process with pid N"
 * line into a progress message naming the process.
 */
import { KjoinError } from '../errors.js';
import type { Ports } from '../engine/step.js';
import type { OsFacts } from '../facts/types.js';
import { describeAge } from './cache-age.js';
import { measureRpmCacheAge } from './dnf-cache.js';
import { describeLockWait, readProcessName } from './dpkg-lock.js';
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
import {
  RPM_QUERY_FORMAT,
  findRpmError,
  parseDnfLockLine,
  parseDnfProgressLine,
  parseRpmInfoCandidate,
  parseRpmQuery,
} from './rpm-output.js';

const C_LOCALE = { LC_ALL: 'C' };

export class DnfBackend implements PackageManagerBackend {
  constructor(
    private readonly ports: Ports,
    private readonly os: OsFacts,
    readonly name: 'dnf' | 'yum' = 'dnf',
  ) {}

  resolve(logical: LogicalPackage): PackageResolution {
    return resolvePackage(logical, this.os, this.name);
  }

  packageNames(logical: LogicalPackage): string[] {
    return this.resolve(logical).names;
  }

  installCommand(pkgs: string[]): string[] {
    const weakDeps = this.name === 'dnf' ? ['--setopt=install_weak_deps=False'] : [];
    return [this.name, 'install', '-y', ...weakDeps, ...pkgs];
  }

  async installed(pkgs: string[]): Promise<Map<string, string | null>> {
    if (pkgs.length === 0) return new Map();
    const result = await this.ports.exec.run('rpm', ['-q', '--queryformat', RPM_QUERY_FORMAT, ...pkgs], { env: C_LOCALE });
    const versions = parseRpmQuery(result.stdout);
    // rpm exits with the number of packages not installed, so only output it cannot explain is a failure.
    if (result.exitCode !== 0 && versions.size === 0) {
      throw new KjoinError('step-failed', `rpm -q failed: ${findRpmError(result.stderr, result.stdout)}`, {
        hint: 'check the rpm database ("rpm --verifydb"; "rpm --rebuilddb" repairs it)',
      });
    }
    return new Map(pkgs.map((pkg) => [pkg, versions.get(pkg) ?? null]));
  }

  async refreshIfStale(maxAgeMs: number, onProgress?: PackageProgressListener): Promise<boolean> {
    const age = await measureRpmCacheAge(this.ports.fs, this.name, this.ports.clock.now().getTime());
    if (age !== null && age <= maxAgeMs) return false;
    const args = this.name === 'dnf' ? ['makecache'] : ['makecache', 'fast'];
    const why = age === null ? 'no repository metadata cached yet' : `repository metadata is ${describeAge(age)} old`;
    const result = await this.runTool(args, 10 * 60_000, onProgress, { kind: 'refresh', message: `${why}: running ${this.name} ${args.join(' ')}` });
    if (result.exitCode !== 0) {
      throw new KjoinError('step-failed', `${this.name} makecache failed: ${findRpmError(result.stderr, result.stdout)}`, {
        hint: `check the repositories in /etc/yum.repos.d/ and that this host reaches them (proxy: "proxy=" in /etc/${this.name === 'dnf' ? 'dnf/dnf.conf' : 'yum.conf'})`,
      });
    }
    return true;
  }

  async install(pkgs: string[], onProgress?: PackageProgressListener): Promise<InstallResult> {
    const { missing, present } = partitionInstalled(pkgs, await this.installed(pkgs));
    if (missing.length === 0) return { installed: [], alreadyInstalled: present };
    const [, ...args] = this.installCommand(missing);
    const result = await this.runTool(args, 30 * 60_000, onProgress, { kind: 'install', message: `installing ${missing.join(', ')}` });
    if (result.exitCode !== 0) {
      const command = this.installCommand(missing).join(' ');
      throw new KjoinError('step-failed', `${command} failed: ${findRpmError(result.stderr, result.stdout)}`, {
        hint: `run "${command}" by hand to see the whole error (a package may need EPEL or another repository), then run kjoin again`,
      });
    }
    return { installed: missing, alreadyInstalled: present };
  }

  async candidateVersion(pkg: string): Promise<string | null> {
    const result = await this.ports.exec.run(this.name, ['info', '-q', pkg], { env: C_LOCALE, timeoutMs: 5 * 60_000 });
    return result.exitCode === 0 ? parseRpmInfoCandidate(result.stdout) : null;
  }

  /**
   * Runs dnf/yum, turning its output into progress; names the lock holder from /proc when dnf waits. `started` is
   * reported once the tool runs.
   */
  private async runTool(args: string[], timeoutMs: number, onProgress: PackageProgressListener | undefined, started: PackageProgress) {
    const waitedFor = new Set<number | null>();
    const pending: Array<Promise<void>> = [];
    const reportWait = async (pid: number | null) => {
      const name = pid === null ? null : await readProcessName(this.ports.fs, pid);
      onProgress?.({ kind: 'lock-wait', message: describeLockWait({ pid, name }, this.name) });
    };
    const result = await this.ports.exec.run(this.name, args, {
      env: C_LOCALE,
      timeoutMs,
      onSpawn: () => onProgress?.(started),
      onLine: (_stream, line) => {
        const lock = parseDnfLockLine(line);
        if (lock && !waitedFor.has(lock.pid)) {
          waitedFor.add(lock.pid);
          pending.push(reportWait(lock.pid));
        }
        const progress = lock ? null : parseDnfProgressLine(line);
        if (progress) onProgress?.(progress);
      },
    });
    await Promise.all(pending);
    return result;
  }
}
