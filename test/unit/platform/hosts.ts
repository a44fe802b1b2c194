/** OS facts of the distributions the platform layer targets, as the facts layer reports them. */
import type { Facts, OsFacts, PackageManager } from '../../../src/facts/types.js';
import { FakeClock } from '../../../src/io/clock.js';
import { FakeExec } from '../../../src/io/exec.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import type { Ports } from '../../../src/engine/step.js';

function os(id: string, versionId: string, family: OsFacts['family'], name: string, codename: string | null = null): OsFacts {
  return {
    id,
    versionId,
    idLike: family === 'debian' && id !== 'debian' ? ['debian'] : family === 'rhel' && id !== 'rhel' ? ['rhel', 'centos', 'fedora'] : [],
    name,
    prettyName: `${name} ${versionId}`,
    versionCodename: codename,
    family,
    support: 'supported',
    supportReason: 'tested',
  };
}

export const DEBIAN_12 = os('debian', '12', 'debian', 'Debian GNU/Linux', 'bookworm');
export const UBUNTU_2204 = os('ubuntu', '22.04', 'debian', 'Ubuntu', 'jammy');
export const UBUNTU_1804 = os('ubuntu', '18.04', 'debian', 'Ubuntu', 'bionic');
export const RHEL_9 = os('rhel', '9.4', 'rhel', 'Red Hat Enterprise Linux');
export const ROCKY_8 = os('rocky', '8.10', 'rhel', 'Rocky Linux');
export const AL2023 = os('amzn', '2023', 'amazon', 'Amazon Linux');
export const AL2 = os('amzn', '2', 'amazon', 'Amazon Linux');
export const FEDORA_41 = os('fedora', '41', 'rhel', 'Fedora Linux');

export function makeFacts(osFacts: OsFacts, packageManager: PackageManager | null, overrides: Partial<Facts> = {}): Facts {
  return {
    os: osFacts,
    packageManager,
    arch: 'amd64',
    rawArch: 'x86_64',
    kernel: '6.1.0-27-amd64',
    memoryBytes: 4 * 1024 ** 3,
    swapBytes: 0,
    cpus: 2,
    cgroup: { version: 2 },
    initSystem: 'systemd',
    cloud: { provider: null, vendor: null, product: null },
    addresses: [],
    nat: 'nat',
    wireguard: { kernel: true, userspace: false },
    apparmor: { enabled: false, parser: false },
    hostname: 'node-1',
    ...overrides,
  };
}

export interface TestPorts extends Ports {
  fs: MemoryFileSystem;
  exec: FakeExec;
  clock: FakeClock;
}

export function makePorts(): TestPorts {
  return { fs: new MemoryFileSystem(), exec: new FakeExec(), clock: new FakeClock('2026-11-22T10:00:00.000Z') };
}

/** Seeds a file with a chosen modification time (MemoryFileSystem otherwise uses a counter). */
export function putWithMtime(fs: MemoryFileSystem, file: string, mtime: string, content = ''): void {
  fs.put(file, content);
  fs.files.get(file)!.mtimeMs = Date.parse(mtime);
}

/** argv of every call to one command, in order. */
export function argvOf(exec: FakeExec, command: string): string[][] {
  return exec.calls.filter((call) => call.command === command).map((call) => call.args);
}
