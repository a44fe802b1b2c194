import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import type { ExecOptions } from '../../../src/io/exec.js';
import { AptBackend } from '../../../src/platform/apt.js';
import type { PackageProgress } from '../../../src/platform/package-manager.js';
import { DEBIAN_12, UBUNTU_1804, UBUNTU_2204, argvOf, makePorts, putWithMtime, type TestPorts } from './hosts.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/platform/${name}`, import.meta.url), 'utf8');
const LIST = '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4';
const INSTALL_PREFIX = ['-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
const LOCK_TIMEOUT = ['-o', 'DPkg::Lock::Timeout=600'];

interface AptScript {
  aptVersion?: string;
  installed?: Record<string, string>;
  /** Results of successive `apt-get install` runs (default: the bookworm transcript, exit 0). */
  installRuns?: Array<{ exitCode: number; stdout?: string; stderr?: string }>;
}

/** A scripted Debian host: dpkg-query answers from `installed`, and a successful install marks packages installed. */
function scriptApt(ports: TestPorts, script: AptScript = {}): { envs: ExecOptions['env'][] } {
  const installed = new Map(Object.entries(script.installed ?? {}));
  const runs = [...(script.installRuns ?? [])];
  const envs: ExecOptions['env'][] = [];
  ports.exec.on('dpkg-query', (args) => {
    const names = args.slice(2);
    const known = names.filter((name) => installed.has(name));
    return {
      exitCode: known.length === names.length ? 0 : 1,
      stdout: known.map((name) => `${name}\tinstall ok installed\t${installed.get(name)}\n`).join(''),
      stderr: names.filter((name) => !installed.has(name)).map((name) => `dpkg-query: no packages found matching ${name}`).join('\n'),
    };
  });
  ports.exec.on('apt-get', (args, options) => {
    envs.push(options.env);
    if (args[0] === '--version') return { stdout: `apt ${script.aptVersion ?? '2.6.1'} (amd64)\nSupported modules:` };
    if (args.includes('update')) return { stdout: 'Hit:1 http://deb.debian.org/debian bookworm InRelease\nReading package lists...' };
    const run = runs.shift() ?? {
      exitCode: 0,
      stdout: fixture('apt-get-install-bookworm.stdout.txt'),
      stderr: fixture('apt-get-install-bookworm.stderr.txt'),
    };
    if (run.exitCode === 0) for (const name of args.slice(args.indexOf('--no-install-recommends') + 1)) installed.set(name, '1.0');
    return run;
  });
  return { envs };
}

function collect(): { events: PackageProgress[]; listener: (event: PackageProgress) => void } {
  const events: PackageProgress[] = [];
  return { events, listener: (event) => events.push(event) };
}

describe('AptBackend on a fresh Debian 12 host', () => {
  it('runs apt-get update when no package lists exist, then installs only what is missing', async () => {
    const ports = makePorts();
    const { envs } = scriptApt(ports, { installed: { iptables: '1.8.9-2' } });
    const apt = new AptBackend(ports, DEBIAN_12);
    const { events, listener } = collect();

    expect(await apt.refreshIfStale(3_600_000, listener)).toBe(true);
    const result = await apt.install(['conntrack', 'socat', 'iptables'], listener);

    expect(argvOf(ports.exec, 'apt-get')).toEqual([
      ['--version'],
      ['-q', ...LOCK_TIMEOUT, 'update'],
      [...INSTALL_PREFIX, ...LOCK_TIMEOUT, 'install', '--no-install-recommends', 'conntrack', 'socat'],
    ]);
    expect(argvOf(ports.exec, 'dpkg-query')).toEqual([
      ['-W', '-f=${Package}\\t${Status}\\t${Version}\\n', 'conntrack', 'socat', 'iptables'],
    ]);
    expect(result).toEqual({ installed: ['conntrack', 'socat'], alreadyInstalled: ['iptables'] });
    expect(envs.at(-1)).toMatchObject({ DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_SUSPEND: '1', LC_ALL: 'C' });
    expect(events.map((event) => event.message)).toEqual([
      'no package lists yet: running apt-get update',
      'installing conntrack, socat',
      'downloading conntrack 1:1.4.7-1+b2 (35.2 kB)',
      'downloading socat 1.7.4.4-2 (375 kB)',
      'unpacking conntrack',
      'unpacking socat',
      'setting up conntrack',
      'setting up socat',
    ]);
  });

  it('skips apt-get update when the lists were refreshed within maxAge', async () => {
    const ports = makePorts();
    scriptApt(ports);
    putWithMtime(ports.fs, LIST, '2026-11-22T09:40:00Z');
    const apt = new AptBackend(ports, DEBIAN_12);

    expect(await apt.refreshIfStale(3_600_000)).toBe(false);
    await apt.install(['conntrack']);

    expect(argvOf(ports.exec, 'apt-get')).toEqual([
      ['--version'],
      [...INSTALL_PREFIX, ...LOCK_TIMEOUT, 'install', '--no-install-recommends', 'conntrack'],
    ]);
  });

  it('refreshes lists older than maxAge and says how old they were', async () => {
    const ports = makePorts();
    scriptApt(ports);
    // apt stamps lists with the mirror's Last-Modified time, so an index can be months old.
    putWithMtime(ports.fs, LIST, '2026-07-11T10:16:37Z');
    const { events, listener } = collect();

    expect(await new AptBackend(ports, DEBIAN_12).refreshIfStale(3_600_000, listener)).toBe(true);
    expect(events[0]!.message).toBe('package lists are 134 days old: running apt-get update');
  });

  it('counts the update-success stamp as a refresh even when the indexes carry old mirror times', async () => {
    const ports = makePorts();
    scriptApt(ports);
    putWithMtime(ports.fs, LIST, '2026-07-11T10:16:37Z');
    putWithMtime(ports.fs, '/var/lib/apt/periodic/update-success-stamp', '2026-11-22T09:55:00Z');
    expect(await new AptBackend(ports, DEBIAN_12).refreshIfStale(3_600_000)).toBe(false);
    expect(argvOf(ports.exec, 'apt-get')).toEqual([]);
  });

  it('does nothing but query dpkg when everything is already installed', async () => {
    const ports = makePorts();
    scriptApt(ports, { installed: { conntrack: '1:1.4.7-1+b2', socat: '1.7.4.4-2' } });
    const result = await new AptBackend(ports, DEBIAN_12).install(['conntrack', 'socat']);
    expect(result).toEqual({ installed: [], alreadyInstalled: ['conntrack', 'socat'] });
    expect(argvOf(ports.exec, 'apt-get')).toEqual([]);
  });

  it('updates and retries once when an install from unrefreshed lists hits 404s', async () => {
    const ports = makePorts();
    scriptApt(ports, {
      installRuns: [
        {
          exitCode: 100,
          stderr:
            'E: Failed to fetch http://deb.debian.org/debian/pool/main/c/conntrack-tools/conntrack_1.4.7-1_amd64.deb  404  Not Found [IP: 151.101.2.132 80]\n' +
            'E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?',
        },
      ],
    });
    putWithMtime(ports.fs, LIST, '2026-11-22T09:59:00Z');
    const apt = new AptBackend(ports, DEBIAN_12);
    await apt.refreshIfStale(3_600_000);
    await apt.install(['conntrack']);
    const calls = argvOf(ports.exec, 'apt-get').map((args) => args.find((arg) => arg === 'update' || arg === 'install'));
    expect(calls).toEqual([undefined, 'install', 'update', 'install']);
  });

  it('finishes a dpkg run an earlier, killed run left half-way (dpkg --configure -a), then installs', async () => {
    const ports = makePorts();
    const { envs } = scriptApt(ports, { installRuns: [{ exitCode: 100, stderr: fixture('apt-get-install-dpkg-interrupted.stderr.txt') }] });
    ports.exec.on('dpkg', () => ({ stdout: 'Setting up conntrack (1:1.4.7-1+b2) ...\nSetting up containerd (1.6.20~ds1-1+deb12u3) ...\n' }));
    const { events, listener } = collect();
    const apt = new AptBackend(ports, DEBIAN_12);
    await apt.refreshIfStale(3_600_000);

    expect(await apt.install(['conntrack'], listener)).toEqual({ installed: ['conntrack'], alreadyInstalled: [] });

    expect(ports.exec.calls.filter((c) => c.command === 'dpkg' || c.args.includes('install')).map((c) => [c.command, ...c.args.slice(-4)])).toEqual([
      ['apt-get', ...LOCK_TIMEOUT.slice(1), 'install', '--no-install-recommends', 'conntrack'],
      ['dpkg', '--force-confdef', '--force-confold', '--configure', '-a'],
      ['apt-get', ...LOCK_TIMEOUT.slice(1), 'install', '--no-install-recommends', 'conntrack'],
    ]);
    // dpkg runs as apt would run it: no prompts, C locale.
    expect(ports.exec.calls.find((c) => c.command === 'dpkg')!.options.env).toEqual(envs.at(-1));
    expect(events.map((e) => e.message)).toEqual(
      expect.arrayContaining(['an earlier dpkg run was interrupted: running dpkg --configure -a to finish it', 'setting up conntrack', 'setting up containerd']),
    );
  });

  it('says so when dpkg --configure -a cannot finish the interrupted run', async () => {
    const ports = makePorts();
    scriptApt(ports, { installRuns: [{ exitCode: 100, stderr: fixture('apt-get-install-dpkg-interrupted.stderr.txt') }] });
    ports.exec.on('dpkg', () => ({ exitCode: 1, stderr: 'dpkg: error processing package containerd (--configure):\n installed containerd package post-installation script subprocess returned error exit status 1' }));
    const apt = new AptBackend(ports, DEBIAN_12);
    await apt.refreshIfStale(3_600_000);
    const error = (await apt.install(['conntrack']).catch((thrown: unknown) => thrown)) as KjoinError;
    expect(error).toBeInstanceOf(KjoinError);
    expect(error.message).toBe('dpkg --configure -a failed: installed containerd package post-installation script subprocess returned error exit status 1');
    expect(error.hint).toContain('run "dpkg --configure -a" by hand');
    expect(argvOf(ports.exec, 'apt-get').filter((args) => args.includes('install'))).toHaveLength(1);
  });

  it('fails with apt’s own error line and a hint', async () => {
    const ports = makePorts();
    scriptApt(ports, { installRuns: [{ exitCode: 100, stderr: 'E: Unable to locate package conntrack' }] });
    const apt = new AptBackend(ports, DEBIAN_12);
    await apt.refreshIfStale(3_600_000);
    const error = await apt.install(['conntrack']).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).code).toBe('step-failed');
    expect((error as KjoinError).message).toBe('apt-get install conntrack failed: Unable to locate package conntrack');
    expect((error as KjoinError).hint).toContain('apt-get install conntrack');
  });
});

describe('AptBackend on Ubuntu', () => {
  it('uses the lock timeout option on 22.04 (apt 2.4)', async () => {
    const ports = makePorts();
    scriptApt(ports, { aptVersion: '2.4.13' });
    await new AptBackend(ports, UBUNTU_2204, { lockTimeoutMs: 300_000 }).install(['socat']);
    expect(argvOf(ports.exec, 'apt-get').at(-1)).toEqual([
      ...INSTALL_PREFIX,
      '-o',
      'DPkg::Lock::Timeout=300',
      'install',
      '--no-install-recommends',
      'socat',
    ]);
  });

  it('leaves the option out on 18.04, whose apt 1.6 does not know it', async () => {
    const ports = makePorts();
    scriptApt(ports, { aptVersion: '1.6.17' });
    await new AptBackend(ports, UBUNTU_1804).install(['socat']);
    expect(argvOf(ports.exec, 'apt-get').at(-1)).toEqual([...INSTALL_PREFIX, 'install', '--no-install-recommends', 'socat']);
  });
});

describe('AptBackend queries', () => {
  it('maps every requested package, null for the unknown ones', async () => {
    const ports = makePorts();
    scriptApt(ports, { installed: { bash: '5.2.15-2+b8' } });
    const versions = await new AptBackend(ports, DEBIAN_12).installed(['bash', 'no-such-package']);
    expect([...versions]).toEqual([
      ['bash', '5.2.15-2+b8'],
      ['no-such-package', null],
    ]);
  });

  it('reads candidate versions from apt-cache policy', async () => {
    const ports = makePorts();
    ports.exec.on('apt-cache', (args) => (args[1] === 'conntrack' ? { stdout: fixture('apt-cache-policy-conntrack.txt') } : { stdout: '' }));
    const apt = new AptBackend(ports, DEBIAN_12);
    expect(await apt.candidateVersion('conntrack')).toBe('1:1.4.7-1+b2');
    expect(await apt.candidateVersion('nope')).toBeNull();
    expect(argvOf(ports.exec, 'apt-cache')[0]).toEqual(['policy', 'conntrack']);
  });

  it('maps logical packages to Debian names', () => {
    const apt = new AptBackend(makePorts(), DEBIAN_12);
    expect(apt.packageNames('conntrack')).toEqual(['conntrack']);
    expect(apt.packageNames('containerd')).toEqual(['containerd']);
    expect(apt.installCommand(['socat'])).toEqual(['apt-get', ...INSTALL_PREFIX, 'install', '--no-install-recommends', 'socat']);
  });
});
