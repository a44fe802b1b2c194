import { describe, expect, it } from 'vitest';
import { detectAppArmor, detectWireguard, listsWireguardModule, parseAppArmorEnabled } from '../../../src/facts/kernel-features.js';
import { FakeExec } from '../../../src/io/exec.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';

const KERNEL = '6.1.0-18-cloud-amd64';

/** A MemoryFileSystem that claims a foreign host root, as NodeFileSystem('/mnt/host') would. */
function hostRootFs(files: ConstructorParameters<typeof MemoryFileSystem>[0] = {}): MemoryFileSystem {
  const fs = new MemoryFileSystem(files);
  Object.defineProperty(fs, 'root', { value: '/mnt/host' });
  return fs;
}

describe('listsWireguardModule', () => {
  it('finds the module in modules.dep and modules.builtin lines', () => {
    expect(listsWireguardModule('kernel/net/ipv4/udp_tunnel.ko:\nkernel/drivers/net/wireguard/wireguard.ko: kernel/net/ipv4/udp_tunnel.ko\n')).toBe(true);
    expect(listsWireguardModule('kernel/drivers/net/wireguard/wireguard.ko.zst: kernel/net/ipv6/ip6_udp_tunnel.ko.zst\n')).toBe(true);
    expect(listsWireguardModule('kernel/drivers/net/wireguard/wireguard.ko\n')).toBe(true);
  });

  it('does not take other modules for it', () => {
    expect(listsWireguardModule('kernel/drivers/net/wireguard-extra/notwireguard.ko:\nkernel/net/wireguard.kobject\n')).toBe(false);
  });
});

describe('detectWireguard', () => {
  it('is kernel when the module is loaded', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/sys/module/wireguard', 0o755);
    expect(await detectWireguard(fs, new FakeExec(), KERNEL)).toEqual({ kernel: true, userspace: false });
  });

  it('is kernel when the running kernel lists the module (merged /usr too)', async () => {
    const dep = new MemoryFileSystem({ [`/usr/lib/modules/${KERNEL}/modules.dep`]: 'kernel/drivers/net/wireguard/wireguard.ko.xz: x.ko.xz\n' });
    expect((await detectWireguard(dep, new FakeExec(), KERNEL)).kernel).toBe(true);
    const builtin = new MemoryFileSystem({ [`/lib/modules/${KERNEL}/modules.builtin`]: 'kernel/drivers/net/wireguard/wireguard.ko\n' });
    expect((await detectWireguard(builtin, new FakeExec(), KERNEL)).kernel).toBe(true);
  });

  it('ignores module lists of another kernel', async () => {
    const fs = new MemoryFileSystem({ '/lib/modules/5.10.0-28-amd64/modules.dep': 'kernel/drivers/net/wireguard/wireguard.ko: \n' });
    expect((await detectWireguard(fs, new FakeExec(), KERNEL)).kernel).toBe(false);
  });

  it('asks modinfo last, on the real host only', async () => {
    const exec = new FakeExec().on('modinfo', (args) => (args[0] === 'wireguard' ? { exitCode: 0 } : { exitCode: 1 }));
    expect((await detectWireguard(new MemoryFileSystem(), exec, KERNEL)).kernel).toBe(true);
    expect(exec.calls.map((c) => c.command)).toEqual(['modinfo']);

    const foreign = new FakeExec().on('modinfo', { exitCode: 0 });
    expect((await detectWireguard(hostRootFs(), foreign, KERNEL)).kernel).toBe(false);
    expect(foreign.calls).toEqual([]);
  });

  it('is not kernel when modinfo is missing', async () => {
    expect((await detectWireguard(new MemoryFileSystem(), new FakeExec(), KERNEL)).kernel).toBe(false);
  });

  it('finds wireguard-go on PATH on the real host', async () => {
    const exec = new FakeExec().on('wireguard-go', { exitCode: 0 }, '/usr/local/bin/wireguard-go');
    expect((await detectWireguard(new MemoryFileSystem(), exec, KERNEL)).userspace).toBe(true);
  });

  it('looks for wireguard-go in the usual directories under a host root', async () => {
    const fs = hostRootFs({ '/usr/bin/wireguard-go': { content: '', mode: 0o755 } });
    expect((await detectWireguard(fs, new FakeExec(), KERNEL)).userspace).toBe(true);
    expect((await detectWireguard(hostRootFs(), new FakeExec(), KERNEL)).userspace).toBe(false);
  });
});

describe('detectAppArmor', () => {
  it('reads the enabled flag and finds the parser in either sbin', async () => {
    const fs = new MemoryFileSystem({ '/sys/module/apparmor/parameters/enabled': 'Y\n', '/usr/sbin/apparmor_parser': '' });
    expect(await detectAppArmor(fs)).toEqual({ enabled: true, parser: true });
    expect(await detectAppArmor(new MemoryFileSystem({ '/sbin/apparmor_parser': '' }))).toEqual({ enabled: false, parser: true });
  });

  it('is disabled for N or a missing module', async () => {
    expect(await detectAppArmor(new MemoryFileSystem({ '/sys/module/apparmor/parameters/enabled': 'N\n' }))).toEqual({ enabled: false, parser: false });
    expect(parseAppArmorEnabled(null)).toBe(false);
    expect(parseAppArmorEnabled('Y')).toBe(true);
  });
});
