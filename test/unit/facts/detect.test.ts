import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFacts } from '../../../src/facts/detect.js';
import { FakeExec, RealExec } from '../../../src/io/exec.js';
import { NodeFileSystem } from '../../../src/io/fs.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { listFixtures, readFixture } from './fixtures.js';

describe('detectFacts on this machine', () => {
  it('returns sane facts from the real host, quickly', async () => {
    const started = performance.now();
    const facts = await detectFacts({ fs: new NodeFileSystem('/'), exec: new RealExec() });
    const elapsed = performance.now() - started;

    expect(facts.os.id).toBe('debian');
    expect(facts.os.family).toBe('debian');
    expect(facts.packageManager).toBe('apt');
    expect(facts.arch).toBe('amd64');
    expect(facts.rawArch).toBe('x86_64');
    expect(facts.memoryBytes).toBeGreaterThan(0);
    expect(facts.swapBytes).toBeGreaterThanOrEqual(0);
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.kernel).toMatch(/^\d+\.\d+/);
    expect(facts.hostname.length).toBeGreaterThan(0);
    expect([1, 2, null]).toContain(facts.cgroup.version);
    expect(['systemd', 'other']).toContain(facts.initSystem);
    expect(typeof facts.wireguard.kernel).toBe('boolean');
    expect(typeof facts.apparmor.enabled).toBe('boolean');
    for (const address of facts.addresses) expect(['private', 'public']).toContain(address.scope);
    // Budget is 300 ms; the slack absorbs a loaded CI box without hiding a slow systeminformation-style call.
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('detectFacts under --host-root', () => {
  let root: string;

  async function put(file: string, content: string, mode = 0o644): Promise<void> {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    await chmod(target, mode);
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kjoin-facts-'));
    await put('etc/os-release', readFixture('os-release', 'ubuntu-24.04'));
    await put('proc/meminfo', readFixture('proc', 'meminfo'));
    await put('proc/cgroups', readFixture('proc', 'cgroups-v1'));
    await put('sys/devices/system/cpu/online', '0-7\n');
    await put('proc/sys/kernel/osrelease', '6.8.0-1012-aws\n');
    await put('etc/hostname', 'edge-worker-3\n');
    for (const field of listFixtures('dmi', 'hetzner')) await put(`sys/class/dmi/id/${field}`, readFixture('dmi', 'hetzner', field));
    await put('sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids rdma misc\n');
    await mkdir(path.join(root, 'run/systemd/system'), { recursive: true });
    await put('lib/modules/6.8.0-1012-aws/modules.dep', 'kernel/drivers/net/wireguard/wireguard.ko.zst: kernel/net/ipv4/udp_tunnel.ko.zst\n');
    await put('sys/module/apparmor/parameters/enabled', 'Y\n');
    await put('usr/sbin/apparmor_parser', '#!/bin/sh\n', 0o755);
    await put('usr/bin/wireguard-go', '#!/bin/sh\n', 0o755);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads every fact from files under the host root', async () => {
    const exec = new FakeExec().on('uname', { stdout: 'aarch64\n' });
    const facts = await detectFacts({ fs: new NodeFileSystem(root), exec }, { hostRoot: root });
    const meminfo = readFixture('proc', 'meminfo');
    const kib = (field: string) => Number(meminfo.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'))![1]);

    expect(facts.os).toMatchObject({ id: 'ubuntu', versionId: '24.04', family: 'debian', support: 'supported', versionCodename: 'noble' });
    expect(facts.packageManager).toBe('apt');
    expect(facts).toMatchObject({
      arch: 'arm64',
      rawArch: 'aarch64',
      kernel: '6.8.0-1012-aws',
      memoryBytes: kib('MemTotal') * 1024,
      swapBytes: kib('SwapTotal') * 1024,
      cpus: 8,
      cgroup: { version: 2 },
      initSystem: 'systemd',
      cloud: { provider: 'hetzner', vendor: 'Hetzner', product: 'vServer' },
      wireguard: { kernel: true, userspace: true },
      apparmor: { enabled: true, parser: true },
      hostname: 'edge-worker-3',
    });
    // Under a foreign host root, modinfo and PATH would describe the wrong system, so only uname ran.
    expect(exec.calls.map((c) => c.command)).toEqual(['uname']);
  });

  it('reports unknowns instead of throwing when the host root is empty', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'kjoin-facts-empty-'));
    try {
      const facts = await detectFacts({ fs: new NodeFileSystem(empty), exec: new FakeExec() }, { hostRoot: empty });
      expect(facts.os).toMatchObject({ id: 'linux', family: 'other', support: 'unsupported' });
      expect(facts).toMatchObject({
        packageManager: null,
        memoryBytes: 0,
        cpus: 0,
        kernel: '',
        hostname: '',
        cgroup: { version: null },
        initSystem: 'other',
        cloud: { provider: null, vendor: null, product: null },
        wireguard: { kernel: false, userspace: false },
        apparmor: { enabled: false, parser: false },
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('detectFacts with fakes', () => {
  it('defaults the host root to the file system root and tolerates a throwing exec', async () => {
    const fs = new MemoryFileSystem({
      '/usr/lib/os-release': readFixture('os-release', 'rocky-9'),
      '/proc/1/comm': 'systemd\n',
      '/proc/sys/kernel/osrelease': '5.14.0-362.8.1.el9_3.x86_64\n',
    });
    const exec = new FakeExec();
    exec.run = async () => {
      throw new Error('spawn failed');
    };
    const facts = await detectFacts({ fs, exec });
    expect(facts.os.id).toBe('rocky');
    expect(facts.packageManager).toBe('dnf');
    expect(facts.initSystem).toBe('systemd');
    expect(facts.kernel).toBe('5.14.0-362.8.1.el9_3.x86_64');
    expect(facts.wireguard.kernel).toBe(false);
    expect(facts.rawArch.length).toBeGreaterThan(0);
  });
});
