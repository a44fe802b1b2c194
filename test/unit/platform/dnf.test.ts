import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import type { OsFacts } from '../../../src/facts/types.js';
import { DnfBackend } from '../../../src/platform/dnf.js';
import type { PackageProgress } from '../../../src/platform/package-manager.js';
import {
  extractRpmName,
  parseDnfProgressLine,
  parseRpmInfoCandidate,
  parseRpmQuery,
} from '../../../src/platform/rpm-output.js';
import { AL2, AL2023, FEDORA_41, RHEL_9, ROCKY_8, argvOf, makePorts, putWithMtime, type TestPorts } from './hosts.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/platform/${name}`, import.meta.url), 'utf8');
const QF = '%{NAME}\\t%{VERSION}-%{RELEASE}\\n';

/** A scripted RPM host: rpm -q answers from `installed`; a successful install marks packages installed. */
function scriptRpm(ports: TestPorts, tool: 'dnf' | 'yum', installed: Record<string, string> = {}, installStdout = ''): void {
  const state = new Map(Object.entries(installed));
  ports.exec.on('rpm', (args) => {
    const names = args.slice(3);
    const lines = names.map((name) => (state.has(name) ? `${name}\t${state.get(name)}` : `package ${name} is not installed`));
    return { exitCode: names.filter((name) => !state.has(name)).length, stdout: `${lines.join('\n')}\n` };
  });
  ports.exec.on(tool, (args) => {
    if (args[0] === 'install') for (const name of args.filter((arg) => !arg.startsWith('-')).slice(1)) state.set(name, '1-1');
    return { stdout: args[0] === 'install' ? installStdout : 'Metadata cache created.' };
  });
}

async function installLogical(os: OsFacts, tool: 'dnf' | 'yum'): Promise<{ ports: TestPorts; backend: DnfBackend }> {
  const ports = makePorts();
  scriptRpm(ports, tool, { socat: '1.7.4.1-5.el9' });
  const backend = new DnfBackend(ports, os, tool);
  await backend.refreshIfStale(3_600_000);
  const names = [...backend.packageNames('conntrack'), ...backend.packageNames('iptables'), ...backend.packageNames('socat')];
  await backend.install(names);
  return { ports, backend };
}

describe('DnfBackend per distribution', () => {
  it('RHEL 9: makecache on a cold cache, iptables-nft, weak deps off, only the missing packages', async () => {
    const { ports } = await installLogical(RHEL_9, 'dnf');
    expect(argvOf(ports.exec, 'dnf')).toEqual([
      ['makecache'],
      ['install', '-y', '--setopt=install_weak_deps=False', 'conntrack-tools', 'iptables-nft'],
    ]);
    expect(argvOf(ports.exec, 'rpm')).toEqual([['-q', '--queryformat', QF, 'conntrack-tools', 'iptables-nft', 'socat']]);
  });

  it('Rocky 8: plain iptables', async () => {
    const { ports } = await installLogical(ROCKY_8, 'dnf');
    expect(argvOf(ports.exec, 'dnf').at(-1)).toEqual([
      'install',
      '-y',
      '--setopt=install_weak_deps=False',
      'conntrack-tools',
      'iptables',
    ]);
  });

  it('Amazon Linux 2023: iptables-nft', async () => {
    const { ports } = await installLogical(AL2023, 'dnf');
    expect(argvOf(ports.exec, 'dnf').at(-1)).toEqual([
      'install',
      '-y',
      '--setopt=install_weak_deps=False',
      'conntrack-tools',
      'iptables-nft',
    ]);
  });

  it('Fedora: iptables-nft', async () => {
    const { ports } = await installLogical(FEDORA_41, 'dnf');
    expect(argvOf(ports.exec, 'dnf').at(-1)?.slice(-2)).toEqual(['conntrack-tools', 'iptables-nft']);
  });

  it('Amazon Linux 2 with only yum: makecache fast and no weak-deps option', async () => {
    const { ports } = await installLogical(AL2, 'yum');
    expect(argvOf(ports.exec, 'yum')).toEqual([
      ['makecache', 'fast'],
      ['install', '-y', 'conntrack-tools', 'iptables'],
    ]);
    expect(argvOf(ports.exec, 'dnf')).toEqual([]);
  });
});

describe('DnfBackend cache freshness', () => {
  it('skips makecache while the dnf4 solv cache is younger than maxAge (ignoring @System)', async () => {
    const ports = makePorts();
    scriptRpm(ports, 'dnf');
    putWithMtime(ports.fs, '/var/cache/dnf/baseos.solv', '2026-11-22T09:30:00Z');
    putWithMtime(ports.fs, '/var/cache/dnf/@System.solv', '2026-11-22T09:59:00Z');
    const backend = new DnfBackend(ports, RHEL_9);
    expect(await backend.refreshIfStale(3_600_000)).toBe(false);
    expect(await backend.refreshIfStale(10 * 60_000)).toBe(true);
    expect(argvOf(ports.exec, 'dnf')).toEqual([['makecache']]);
  });

  it('reads dnf5 and yum caches too', async () => {
    const ports = makePorts();
    scriptRpm(ports, 'dnf');
    putWithMtime(ports.fs, '/var/cache/libdnf5/fedora-7f5e6d/solv/fedora.solv', '2026-11-22T09:45:00Z');
    expect(await new DnfBackend(ports, FEDORA_41).refreshIfStale(3_600_000)).toBe(false);
    putWithMtime(ports.fs, '/var/cache/yum/x86_64/2/amzn2-core/cachecookie', '2026-11-20T09:45:00Z');
    const events: PackageProgress[] = [];
    scriptRpm(ports, 'yum');
    expect(await new DnfBackend(ports, AL2, 'yum').refreshIfStale(3_600_000, (event) => events.push(event))).toBe(true);
    expect(events[0]!.message).toBe('repository metadata is 2 days old: running yum makecache fast');
  });
});

describe('DnfBackend progress, lock and errors', () => {
  it('reports packages from a dnf4 transcript and names the process holding the dnf lock', async () => {
    const ports = makePorts();
    ports.fs.put('/proc/881/comm', 'packagekitd\n');
    scriptRpm(ports, 'dnf', {}, `Waiting for process with pid 881 to finish.\n${fixture('dnf4-install-rhel9.stdout.txt')}`);
    const events: PackageProgress[] = [];
    await new DnfBackend(ports, RHEL_9).install(['conntrack-tools', 'socat'], (event) => events.push(event));
    expect(events.find((event) => event.kind === 'lock-wait')?.message).toBe('waiting for the dnf lock held by PID 881 (packagekitd)');
    expect(events.filter((event) => event.kind === 'install').map((event) => event.package)).toEqual([
      undefined,
      'libnetfilter_queue',
      'libnetfilter_cttimeout',
      'libnetfilter_cthelper',
      'conntrack-tools',
      'socat',
    ]);
  });

  it('turns a failed install into a step-failed error with dnf’s message', async () => {
    const ports = makePorts();
    scriptRpm(ports, 'dnf');
    ports.exec.on('dnf', () => ({ exitCode: 1, stderr: 'Error: Unable to find a match: wireguard-tools' }));
    const error = await new DnfBackend(ports, ROCKY_8).install(['wireguard-tools']).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).message).toBe(
      'dnf install -y --setopt=install_weak_deps=False wireguard-tools failed: Unable to find a match: wireguard-tools',
    );
    expect((error as KjoinError).hint).toContain('EPEL');
  });

  it('reads candidate versions from dnf info, preferring what is available over what is installed', async () => {
    const ports = makePorts();
    ports.exec.on('dnf', (args) => (args[2] === 'iptables-nft' ? { stdout: fixture('dnf-info-iptables-nft.txt') } : { exitCode: 1 }));
    const backend = new DnfBackend(ports, RHEL_9);
    expect(await backend.candidateVersion('iptables-nft')).toBe('1.8.10-11.el9');
    expect(await backend.candidateVersion('wireguard-tools')).toBeNull();
    expect(argvOf(ports.exec, 'dnf')[0]).toEqual(['info', '-q', 'iptables-nft']);
  });
});

describe('rpm and dnf output parsers', () => {
  it('parses rpm -q output with installed and missing packages', () => {
    expect([...parseRpmQuery(fixture('rpm-query-rhel9.txt'))]).toEqual([
      ['conntrack-tools', '1.4.7-2.el9'],
      ['socat', null],
      ['iptables-nft', '1.8.10-4.el9_4'],
    ]);
  });

  it('extracts names from full, epoch-qualified and truncated NEVRAs', () => {
    expect(extractRpmName('conntrack-tools-1.4.7-2.el9.x86_64')).toBe('conntrack-tools');
    expect(extractRpmName('conntrack-tools-0:1.4.8-2.fc41.x86_64')).toBe('conntrack-tools');
    expect(extractRpmName('1:iptables-1.8.4-24.el8.x86_64')).toBe('iptables');
    expect(extractRpmName('libnetfilter_queue-1.0.5-1.el9.x86_64.rp')).toBe('libnetfilter_queue');
  });

  it('reads dnf5 transcripts without mistaking totals and headers for packages', () => {
    const events = fixture('dnf5-install-fedora41.stdout.txt')
      .split('\n')
      .map(parseDnfProgressLine)
      .filter((event) => event !== null);
    expect(events.filter((event) => event.kind === 'download').map((event) => event.package)).toEqual([
      'libnetfilter_cthelper',
      'libnetfilter_cttimeout',
      'libnetfilter_queue',
      'conntrack-tools',
    ]);
    expect(events.filter((event) => event.kind === 'install').map((event) => event.package)).toEqual([
      'libnetfilter_queue',
      'libnetfilter_cttimeout',
      'libnetfilter_cthelper',
      'conntrack-tools',
    ]);
  });

  it('falls back to the installed version when nothing newer is available', () => {
    const installedOnly = fixture('dnf-info-iptables-nft.txt').split('\nAvailable Packages')[0]!;
    expect(parseRpmInfoCandidate(installedOnly)).toBe('1.8.10-4.el9_4');
    expect(parseRpmInfoCandidate('')).toBeNull();
  });
});
