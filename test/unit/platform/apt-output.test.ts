import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findAptError,
  parseAptCandidate,
  parseAptProgressLine,
  parseAptVersion,
  parseDpkgQuery,
  supportsLockTimeout,
} from '../../../src/platform/apt-output.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/platform/${name}`, import.meta.url), 'utf8');

describe('parseDpkgQuery', () => {
  const versions = parseDpkgQuery(fixture('dpkg-query-mixed.txt'));

  it('reads the versions of fully installed packages, held ones included', () => {
    expect(versions.get('bash')).toBe('5.2.15-2+b8');
    expect(versions.get('coreutils')).toBe('9.1-1');
    expect(versions.get('ethtool')).toBe('1:6.1-1');
  });

  it('treats removed-but-configured, unpacked and half-installed packages as not installed', () => {
    expect(versions.get('iptables')).toBeNull();
    expect(versions.has('iptables')).toBe(true);
    expect(versions.get('socat')).toBeNull();
    expect(versions.get('kmod')).toBeNull();
  });

  it('keeps the installed instance of a multi-arch package whatever the line order', () => {
    expect(versions.get('libc6')).toBe('2.36-9+deb12u10');
    const reversed = parseDpkgQuery('libc6:i386\tdeinstall ok config-files\t2.36-9\nlibc6:amd64\tinstall ok installed\t2.36-9\n');
    expect(reversed.get('libc6')).toBe('2.36-9');
  });
});

describe('parseAptProgressLine', () => {
  it('turns a real install transcript into download, unpack and configure events per package', () => {
    const events = fixture('apt-get-install-bookworm.stdout.txt')
      .split('\n')
      .map(parseAptProgressLine)
      .filter((event) => event !== null);
    expect(events.map((event) => `${event.kind} ${event.package}`)).toEqual([
      'download conntrack',
      'download socat',
      'unpack conntrack',
      'unpack socat',
      'configure conntrack',
      'configure socat',
    ]);
    expect(events[0]!.message).toBe('downloading conntrack 1:1.4.7-1+b2 (35.2 kB)');
    expect(events[4]!.message).toBe('setting up conntrack');
  });

  it('ignores list downloads and strips dpkg architecture qualifiers', () => {
    expect(parseAptProgressLine('Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]')).toBeNull();
    expect(parseAptProgressLine('Get:5 http://deb.debian.org/debian bookworm/main amd64 Packages [8,786 kB]')).toBeNull();
    expect(parseAptProgressLine('Unpacking libnetfilter-conntrack3:amd64 (1.0.9-3) ...')?.package).toBe('libnetfilter-conntrack3');
  });
});

describe('apt version and lock timeout support', () => {
  it('parses apt-get --version and knows DPkg::Lock::Timeout arrived in 1.9.11', () => {
    expect(parseAptVersion('apt 2.6.1 (amd64)\nSupported modules:\n')).toEqual([2, 6, 1]);
    expect(parseAptVersion('apt 1.6.12ubuntu0.2 (amd64)')).toEqual([1, 6, 12]);
    expect(parseAptVersion('something else')).toBeNull();
    expect(supportsLockTimeout([2, 6, 1])).toBe(true);
    expect(supportsLockTimeout([1, 9, 11])).toBe(true);
    expect(supportsLockTimeout([1, 9, 10])).toBe(false);
    expect(supportsLockTimeout([1, 8, 2])).toBe(false);
    expect(supportsLockTimeout(null)).toBe(false);
  });
});

describe('parseAptCandidate and findAptError', () => {
  it('reads the candidate from apt-cache policy, null for (none) or unknown packages', () => {
    expect(parseAptCandidate(fixture('apt-cache-policy-conntrack.txt'))).toBe('1:1.4.7-1+b2');
    expect(parseAptCandidate('wireguard-tools:\n  Installed: (none)\n  Candidate: (none)\n')).toBeNull();
    expect(parseAptCandidate('')).toBeNull();
  });

  it('prefers the first E: line', () => {
    expect(findAptError('W: something\nE: Unable to locate package nope\nE: second', '')).toBe('Unable to locate package nope');
    expect(findAptError('', 'last words\n')).toBe('last words');
    expect(findAptError('', '')).toBe('no output');
  });
});
