import { describe, expect, it } from 'vitest';
import { checkIpForward, checkKernelModule, isModuleLoaded, listsModule } from '../../../src/preflight/kernel-checks.js';
import { makeContext } from './context.js';

const KERNEL = '6.1.0-28-amd64';

// Excerpts in the kernel's own formats (Debian 12 host).
const PROC_MODULES = `br_netfilter 32768 0 - Live 0x0000000000000000
bridge 311296 1 br_netfilter, Live 0x0000000000000000
stp 16384 1 bridge, Live 0x0000000000000000
llc 16384 2 bridge,stp, Live 0x0000000000000000
nf_conntrack 176128 1 xt_conntrack, Live 0x0000000000000000
`;
const MODULES_DEP = `kernel/fs/overlayfs/overlay.ko.xz: 
kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz kernel/net/802/stp.ko.xz kernel/net/llc/llc.ko.xz
kernel/net/bridge/bridge.ko.xz: kernel/net/802/stp.ko.xz kernel/net/llc/llc.ko.xz
`;
const MODULES_BUILTIN = `kernel/fs/ext4/ext4.ko
kernel/fs/overlayfs/overlay.ko
kernel/net/ipv4/tcp_cubic.ko
`;

describe('module lists', () => {
  it('reads /proc/modules by name, not by dependency lists', () => {
    expect(isModuleLoaded(PROC_MODULES, 'br_netfilter')).toBe(true);
    expect(isModuleLoaded(PROC_MODULES, 'overlay')).toBe(false);
    expect(isModuleLoaded(PROC_MODULES, 'br-netfilter')).toBe(true);
  });

  it('finds compressed and plain module paths in modules.dep and modules.builtin', () => {
    expect(listsModule(MODULES_DEP, 'overlay')).toBe(true);
    expect(listsModule(MODULES_DEP, 'stp')).toBe(false); // only a dependency here, not an entry
    expect(listsModule(MODULES_BUILTIN, 'overlay')).toBe(true);
    expect(listsModule(MODULES_BUILTIN, 'br_netfilter')).toBe(false);
  });
});

describe('kernel module check', () => {
  it('is ok when the module is loaded', async () => {
    const ctx = makeContext({ facts: { kernel: KERNEL }, files: { '/proc/modules': PROC_MODULES } });
    expect(await checkKernelModule('br_netfilter').run(ctx)).toEqual({ status: 'ok', message: 'br_netfilter is loaded' });
  });

  it('is ok when /sys/module has it', async () => {
    const ctx = makeContext({ files: { '/proc/modules': '', '/sys/module/overlay/refcnt': '3\n' } });
    expect((await checkKernelModule('overlay').run(ctx)).message).toBe('overlay is loaded');
  });

  it('is ok when built in', async () => {
    const ctx = makeContext({ facts: { kernel: KERNEL }, files: { [`/lib/modules/${KERNEL}/modules.builtin`]: MODULES_BUILTIN } });
    expect((await checkKernelModule('overlay').run(ctx)).message).toBe('overlay is built into the kernel');
  });

  it('is ok when a kernel without /lib/modules has the module compiled in', async () => {
    const ctx = makeContext({
      facts: { kernel: KERNEL },
      files: {
        '/proc/sys/net/bridge/bridge-nf-call-iptables': '0\n',
        '/proc/filesystems': 'nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n',
      },
    });
    for (const name of ['br_netfilter', 'overlay']) {
      const outcome = await checkKernelModule(name).run(ctx);
      expect(outcome, name).toMatchObject({ status: 'ok', message: `${name} is built into the kernel` });
    }
    const without = makeContext({ facts: { kernel: KERNEL }, files: { '/proc/filesystems': 'nodev\tsysfs\n\text4\n' } });
    expect((await checkKernelModule('overlay').run(without)).status).toBe('fail');
  });

  it('is ok when modules.dep of the running kernel lists it', async () => {
    const ctx = makeContext({
      facts: { kernel: KERNEL },
      files: { '/proc/modules': PROC_MODULES, [`/lib/modules/${KERNEL}/modules.dep`]: MODULES_DEP },
    });
    const verdict = await checkKernelModule('overlay').run(ctx);
    expect(verdict.status).toBe('ok');
    expect(verdict.message).toContain('join will load it');
    expect(ctx.exec.calls).toEqual([]);
  });

  it('falls back to modprobe -n and uses uname -r when facts lack the kernel', async () => {
    const ctx = makeContext({ facts: { kernel: '' } });
    ctx.exec.on('uname', { stdout: KERNEL }).on('modprobe', (args) => ({ exitCode: args.join(' ') === '-n br_netfilter' ? 0 : 1 }));
    expect((await checkKernelModule('br_netfilter').run(ctx)).status).toBe('ok');
    expect(ctx.exec.calls.map((c) => c.command)).toEqual(['uname', 'modprobe']);
  });

  it('fails with a remediation when the module is nowhere', async () => {
    // The usual cause: the kernel was upgraded and the running one's modules were removed.
    const ctx = makeContext({ facts: { kernel: KERNEL }, files: { '/proc/modules': PROC_MODULES, '/lib/modules/6.1.0-29-amd64/modules.dep': MODULES_DEP } });
    ctx.exec.on('modprobe', { exitCode: 1, stderr: `modprobe: FATAL: Module overlay not found in directory /lib/modules/${KERNEL}` });
    const verdict = await checkKernelModule('overlay').run(ctx);
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain(KERNEL);
    expect(verdict.status !== 'ok' && verdict.remediation).toMatch(/modules package|reboot/);
  });
});

describe('ip_forward check', () => {
  it('warns when forwarding is off and says join enables it', async () => {
    const verdict = await checkIpForward.run(makeContext({ files: { '/proc/sys/net/ipv4/ip_forward': '0\n' } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('join will enable it');
  });

  it('is ok when on', async () => {
    expect((await checkIpForward.run(makeContext({ files: { '/proc/sys/net/ipv4/ip_forward': '1\n' } }))).status).toBe('ok');
  });

  it('warns when unreadable', async () => {
    expect((await checkIpForward.run(makeContext())).status).toBe('warn');
  });
});
