import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { createPackageManager, ensurePackages } from '../../../src/platform/ensure-packages.js';
import type { PackageProgress } from '../../../src/platform/package-manager.js';
import { AptBackend } from '../../../src/platform/apt.js';
import { DnfBackend } from '../../../src/platform/dnf.js';
import { DEBIAN_12, ROCKY_8, argvOf, makeFacts, makePorts, type TestPorts } from './hosts.js';

function scriptRockyHost(ports: TestPorts, installed: Record<string, string>, candidates: Record<string, string>): void {
  ports.exec.on('rpm', (args) => {
    const names = args.slice(3);
    const lines = names.map((name) => (installed[name] ? `${name}\t${installed[name]}` : `package ${name} is not installed`));
    return { exitCode: names.filter((name) => !installed[name]).length, stdout: lines.join('\n') };
  });
  ports.exec.on('dnf', (args) => {
    if (args[0] === 'info') {
      const version = candidates[args[2]!];
      return version ? { stdout: `Available Packages\nName : ${args[2]}\nVersion : ${version.split('-')[0]}\nRelease : ${version.split('-')[1]}\n` } : { exitCode: 1 };
    }
    return {};
  });
}

describe('createPackageManager', () => {
  it('picks the backend from the detected package manager', () => {
    const ports = makePorts();
    expect(createPackageManager(makeFacts(DEBIAN_12, 'apt'), ports)).toBeInstanceOf(AptBackend);
    expect(createPackageManager(makeFacts(ROCKY_8, 'dnf'), ports).name).toBe('dnf');
    const yum = createPackageManager(makeFacts(ROCKY_8, 'yum'), ports);
    expect(yum).toBeInstanceOf(DnfBackend);
    expect(yum.name).toBe('yum');
    expect(() => createPackageManager(makeFacts(DEBIAN_12, 'zypper'), ports)).toThrow(KjoinError);
  });
});

describe('ensurePackages', () => {
  it('does not refresh or install anything when all packages are present', async () => {
    const ports = makePorts();
    scriptRockyHost(ports, { 'conntrack-tools': '1.4.4-11.el8', socat: '1.7.4.1-1.el8' }, {});
    const result = await ensurePackages(new DnfBackend(ports, ROCKY_8), ['conntrack', 'socat']);
    expect(result).toEqual({ installed: [], alreadyInstalled: ['conntrack-tools', 'socat'], skipped: [], refreshed: false });
    expect(argvOf(ports.exec, 'dnf')).toEqual([]);
  });

  it('skips an optional package no repository offers (wireguard-tools on EL8 without EPEL)', async () => {
    const ports = makePorts();
    scriptRockyHost(ports, { 'conntrack-tools': '1.4.4-11.el8' }, { socat: '1.7.4.1-1.el8' });
    const events: PackageProgress[] = [];
    const result = await ensurePackages(new DnfBackend(ports, ROCKY_8), ['conntrack', 'socat', 'wireguard-tools'], {
      onProgress: (event) => events.push(event),
    });
    expect(result).toEqual({ installed: ['socat'], alreadyInstalled: ['conntrack-tools'], skipped: ['wireguard-tools'], refreshed: true });
    expect(argvOf(ports.exec, 'dnf')).toEqual([
      ['makecache'],
      ['info', '-q', 'wireguard-tools'],
      ['install', '-y', '--setopt=install_weak_deps=False', 'socat'],
    ]);
    expect(events.find((event) => event.kind === 'skip')?.message).toMatch(/^skipping wireguard-tools: .*EPEL/);
  });

  it('installs an optional package when EPEL offers it', async () => {
    const ports = makePorts();
    scriptRockyHost(ports, {}, { 'wireguard-tools': '1.0.20210914-2.el8' });
    const result = await ensurePackages(new DnfBackend(ports, ROCKY_8), ['wireguard-tools']);
    expect(result.installed).toEqual(['wireguard-tools']);
    expect(result.skipped).toEqual([]);
  });
});
