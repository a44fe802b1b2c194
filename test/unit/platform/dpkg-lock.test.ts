import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import { AptBackend } from '../../../src/platform/apt.js';
import {
  describeDevice,
  describeLockWait,
  findLockHolders,
  parseAptLockLine,
  parseFuserPids,
  parseProcLocks,
  readProcessName,
} from '../../../src/platform/dpkg-lock.js';
import type { PackageProgress } from '../../../src/platform/package-manager.js';
import { DEBIAN_12, UBUNTU_1804, argvOf, makePorts, type TestPorts } from './hosts.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/platform/${name}`, import.meta.url), 'utf8');
const FRONTEND = '/var/lib/dpkg/lock-frontend';

/** unattended-upgrades as the kernel shows it: comm cut at 15 characters, the script in cmdline. */
function seedUnattendedUpgrade(ports: TestPorts, pid = 1234): void {
  ports.fs.put(`/proc/${pid}/comm`, 'unattended-upgr\n');
  ports.fs.put(`/proc/${pid}/cmdline`, '/usr/bin/python3\0/usr/bin/unattended-upgrade\0--download-only\0');
  for (const file of ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/lib/apt/lists/lock']) ports.fs.put(file, '', 0o640);
}

describe('lock output parsers', () => {
  it('reads PIDs from fuser, with or without access letters', () => {
    expect(parseFuserPids(' 1234 5678c 1234')).toEqual([1234, 5678]);
    expect(parseFuserPids('')).toEqual([]);
  });

  it('understands apt ≥ 1.9.11 waiting lines, including carriage-return redraws', () => {
    const line = fixture('apt-lock-wait.stderr.txt').split('\n')[1]!;
    expect(parseAptLockLine(line)).toEqual({ lockFile: FRONTEND, pid: 1234, name: 'unattended-upgr', waiting: true });
    expect(parseAptLockLine(`first redraw... 0s\r${line}`)?.pid).toBe(1234);
  });

  it('understands the final and the pre-1.9 lock errors', () => {
    expect(parseAptLockLine('E: Could not get lock /var/lib/apt/lists/lock. It is held by process 967 (apt)')).toEqual({
      lockFile: '/var/lib/apt/lists/lock',
      pid: 967,
      name: 'apt',
      waiting: false,
    });
    const [open, unable] = fixture('apt-lock-fail-old.stderr.txt').split('\n');
    expect(parseAptLockLine(open!)).toEqual({ lockFile: FRONTEND, pid: null, name: null, waiting: false });
    expect(parseAptLockLine(unable!)?.lockFile).toBe(FRONTEND);
    expect(parseAptLockLine('Setting up socat (1.7.4.4-2) ...')).toBeNull();
  });

  it('reads lock holders from /proc/locks, skipping blocked waiters and OFD locks', () => {
    const text = [
      '1: POSIX  ADVISORY  WRITE 1234 fd:01:131090 0 EOF',
      '1: -> POSIX  ADVISORY  WRITE 5678 fd:01:131090 0 EOF',
      '2: FLOCK  ADVISORY  WRITE 880 00:19:1123 0 EOF',
      '3: OFDLCK ADVISORY  READ  -1 00:06:1028 0 EOF',
    ].join('\n');
    expect(parseProcLocks(text)).toEqual([
      { pid: 1234, device: '253:1', inode: 131090 },
      { pid: 880, device: '0:25', inode: 1123 },
    ]);
  });

  it('reads st_dev the way /proc/locks prints devices (glibc major/minor)', () => {
    expect(describeDevice((0xfd << 8) | 0x01)).toBe('253:1');
    expect(describeDevice(0x19)).toBe('0:25');
    // Majors over 0xfff and minors over 0xff spread into the high bits (glibc makedev(0x1001, 0x101)).
    expect(describeDevice(0x1000_0010_0101)).toBe(`${0x1001}:${0x101}`);
  });

  it('words the wait for the operator', () => {
    expect(describeLockWait({ pid: 1234, name: 'unattended-upgrade' })).toBe(
      'waiting for the dpkg lock held by PID 1234 (unattended-upgrade)',
    );
    expect(describeLockWait({ pid: 77, name: null }, 'dnf')).toBe('waiting for the dnf lock held by PID 77');
    expect(describeLockWait({ pid: null, name: null })).toBe('waiting for the dpkg lock held by another process');
  });
});

describe('findLockHolders', () => {
  it('matches /proc/locks against the lock files by device and inode, and names the holder from /proc', async () => {
    const ports = makePorts();
    seedUnattendedUpgrade(ports, 4321);
    ports.fs.put('/proc/4321/comm', 'apt-get\n');
    const { ino } = (await ports.fs.stat('/var/lib/dpkg/lock'))!;
    const { ino: frontend } = (await ports.fs.stat(FRONTEND))!;
    ports.fs.put(
      '/proc/locks',
      [
        `1: POSIX  ADVISORY  WRITE 4321 08:01:${ino} 0 EOF`,
        // The same inode on another device, and a process waiting for the lock: neither holds a dpkg lock.
        `2: POSIX  ADVISORY  WRITE 999 00:19:${frontend} 0 EOF`,
        `2: -> POSIX  ADVISORY  WRITE 77 08:01:${frontend} 0 EOF`,
      ].join('\n'),
    );
    expect(await findLockHolders(ports)).toEqual([{ pid: 4321, name: 'apt-get', lockFile: '/var/lib/dpkg/lock' }]);
    // Read from /proc alone: no fuser, no stat process.
    expect(ports.exec.calls).toEqual([]);
  });

  it('finds no holder without reading the lock files when /proc/locks holds no lock', async () => {
    const ports = makePorts();
    seedUnattendedUpgrade(ports);
    ports.fs.put('/proc/locks', '');
    expect(await findLockHolders(ports)).toEqual([]);
  });

  it('asks fuser per existing lock file where /proc/locks cannot be read', async () => {
    const ports = makePorts();
    seedUnattendedUpgrade(ports);
    ports.exec.on('fuser', (args) => (args[0] === FRONTEND ? { stdout: ' 1234' } : { exitCode: 1 }));
    expect(await findLockHolders(ports)).toEqual([{ pid: 1234, name: 'unattended-upgrade', lockFile: FRONTEND }]);
    // /var/cache/apt/archives/lock does not exist on this host, so fuser is not asked about it.
    expect(argvOf(ports.exec, 'fuser')).toEqual([[FRONTEND], ['/var/lib/dpkg/lock'], ['/var/lib/apt/lists/lock']]);
  });

  it('keeps a short comm as it is and an unexpandable long one as the kernel gave it', async () => {
    const ports = makePorts();
    ports.fs.put('/proc/10/comm', 'packagekitd\n');
    ports.fs.put('/proc/11/comm', 'a-very-long-nam\n');
    expect(await readProcessName(ports.fs, 10)).toBe('packagekitd');
    expect(await readProcessName(ports.fs, 11)).toBe('a-very-long-nam');
    expect(await readProcessName(ports.fs, 12)).toBeNull();
  });
});

describe('apt-get runs while another process holds the lock', () => {
  function scriptInstalledNothing(ports: TestPorts): void {
    ports.exec.on('dpkg-query', () => ({ exitCode: 1, stderr: 'dpkg-query: no packages found matching socat' }));
  }

  it('apt ≥ 1.9.11: names the holder once, from fuser and from apt’s own waiting lines', async () => {
    const ports = makePorts();
    seedUnattendedUpgrade(ports);
    scriptInstalledNothing(ports);
    ports.exec.on('fuser', (args) => (args[0] === FRONTEND ? { stdout: '1234' } : { exitCode: 1 }));
    ports.exec.on('apt-get', (args) =>
      args[0] === '--version'
        ? { stdout: 'apt 2.6.1 (amd64)' }
        : { stdout: fixture('apt-get-install-bookworm.stdout.txt'), stderr: fixture('apt-lock-wait.stderr.txt') },
    );
    const events: PackageProgress[] = [];
    await new AptBackend(ports, DEBIAN_12).install(['socat'], (event) => events.push(event));
    expect(events.filter((event) => event.kind === 'lock-wait').map((event) => event.message)).toEqual([
      'waiting for the dpkg lock held by PID 1234 (unattended-upgrade)',
    ]);
    // apt waits by itself: one install run, no polling sleeps.
    expect(argvOf(ports.exec, 'apt-get').filter((args) => args.includes('install'))).toHaveLength(1);
    expect(ports.clock.monotonicMs()).toBe(0);
  });

  it('apt ≥ 1.9.11 without fuser: reports what apt prints', async () => {
    const ports = makePorts();
    scriptInstalledNothing(ports);
    ports.exec.on('apt-get', (args) =>
      args[0] === '--version' ? { stdout: 'apt 2.6.1 (amd64)' } : { stderr: fixture('apt-lock-wait.stderr.txt') },
    );
    const events: PackageProgress[] = [];
    await new AptBackend(ports, DEBIAN_12).install(['socat'], (event) => events.push(event));
    expect(events.filter((event) => event.kind === 'lock-wait').map((event) => event.message)).toEqual([
      'waiting for the dpkg lock held by PID 1234 (unattended-upgr)',
    ]);
  });

  it('apt < 1.9.11: polls until the holder is gone, then installs', async () => {
    const ports = makePorts();
    seedUnattendedUpgrade(ports);
    scriptInstalledNothing(ports);
    let busyPolls = 3;
    ports.exec.on('fuser', (args) => (args[0] === FRONTEND && busyPolls-- > 0 ? { stdout: '1234' } : { exitCode: 1 }));
    ports.exec.on('apt-get', (args) => (args[0] === '--version' ? { stdout: 'apt 1.6.17 (amd64)' } : {}));
    const events: PackageProgress[] = [];
    await new AptBackend(ports, UBUNTU_1804, { lockPollMs: 5_000 }).install(['socat'], (event) => events.push(event));
    expect(ports.clock.monotonicMs()).toBe(15_000);
    expect(events.filter((event) => event.kind === 'lock-wait')).toHaveLength(1);
    expect(argvOf(ports.exec, 'apt-get').filter((args) => args.includes('install'))).toHaveLength(1);
  });

  it('apt < 1.9.11: retries when apt lost the race for the lock', async () => {
    const ports = makePorts();
    scriptInstalledNothing(ports);
    let attempts = 0;
    ports.exec.on('apt-get', (args) => {
      if (args[0] === '--version') return { stdout: 'apt 1.8.2.3 (amd64)' };
      return attempts++ === 0 ? { exitCode: 100, stderr: fixture('apt-lock-fail-old.stderr.txt') } : {};
    });
    const result = await new AptBackend(ports, UBUNTU_1804, { lockPollMs: 2_000 }).install(['socat']);
    expect(result.installed).toEqual(['socat']);
    expect(attempts).toBe(2);
    expect(ports.clock.monotonicMs()).toBe(2_000);
  });

  it('gives up after the lock timeout with the holder in the message', async () => {
    const ports = makePorts();
    seedUnattendedUpgrade(ports);
    scriptInstalledNothing(ports);
    ports.exec.on('fuser', (args) => (args[0] === FRONTEND ? { stdout: '1234' } : { exitCode: 1 }));
    ports.exec.on('apt-get', (args) => (args[0] === '--version' ? { stdout: 'apt 1.6.17 (amd64)' } : {}));
    const error = await new AptBackend(ports, UBUNTU_1804)
      .install(['socat'])
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).message).toBe('the dpkg lock is still held by PID 1234 (unattended-upgrade) after 10 minutes');
    expect((error as KjoinError).hint).toContain('ps -f -p 1234');
    expect(argvOf(ports.exec, 'apt-get').filter((args) => args.includes('install'))).toHaveLength(0);
  });
});
