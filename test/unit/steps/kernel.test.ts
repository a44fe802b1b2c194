import { beforeEach, describe, expect, it } from 'vitest';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { kernelStep } from '../../../src/steps/kernel.js';
import { argvOf, contentLines, expectConverged, loadTestConfig, makeHarness, type StepHarness } from './step-context.js';

const RELEASE = '6.1.0-28-amd64';

/** A Debian 12 VM right after boot: overlay loaded (by the root fs), br_netfilter only on disk, forwarding off. */
function seedFreshHost(h: StepHarness, options: { ipv6?: boolean; ipForward?: string } = {}): void {
  h.fs.put('/proc/modules', 'overlay 151552 0 - Live 0x0000000000000000\next4 1003520 1 - Live 0x0000000000000000\n');
  h.fs.put(
    `/lib/modules/${RELEASE}/modules.dep`,
    [
      'kernel/fs/overlayfs/overlay.ko: ',
      'kernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko kernel/net/802/stp.ko kernel/net/llc/llc.ko',
      'kernel/net/bridge/bridge.ko: kernel/net/802/stp.ko kernel/net/llc/llc.ko',
    ].join('\n'),
  );
  h.fs.put(`/lib/modules/${RELEASE}/modules.builtin`, 'kernel/fs/ext4/ext4.ko\n');
  h.fs.put('/proc/sys/net/ipv4/ip_forward', `${options.ipForward ?? '0'}\n`);
  if (options.ipv6 !== false) h.fs.put('/proc/sys/net/ipv6/conf/all/forwarding', '0\n');
}

/** modprobe and sysctl acting on the fake /proc like the kernel would; `failSysctl` makes sysctl -w fail. */
function scriptKernel(h: StepHarness, options: { failSysctl?: boolean } = {}): void {
  h.exec.on('modprobe', (args) => {
    const name = args.at(-1)!;
    if (args[0] === '-n') return { exitCode: 0 };
    h.fs.put('/proc/modules', `${h.fs.files.get('/proc/modules')!.content.toString()}${name} 36864 0 - Live 0x0000000000000000\n`);
    if (name === 'br_netfilter') {
      h.fs.put('/proc/sys/net/bridge/bridge-nf-call-iptables', '0\n');
      h.fs.put('/proc/sys/net/bridge/bridge-nf-call-ip6tables', '0\n');
    }
    return { exitCode: 0 };
  });
  h.exec.on('sysctl', (args) => {
    const [key, value] = args[1]!.split('=') as [string, string];
    if (options.failSysctl) return { exitCode: 255, stderr: `sysctl: setting key "${key}": Read-only file system` };
    h.fs.put(`/proc/sys/${key.replaceAll('.', '/')}`, `${value}\n`);
    return { stdout: `${key} = ${value}` };
  });
}

/** "key = value" lines of a sysctl.d file. */
function parseSysctlConf(text: string): Record<string, string> {
  return Object.fromEntries(contentLines(text).map((line) => line.split('=').map((part) => part.trim()) as [string, string]));
}

describe('kernel step', () => {
  let config: ResolvedConfig;
  beforeEach(async () => {
    config = await loadTestConfig();
  });

  it('plans both boot files and only the modprobe and sysctl -w the host still needs', async () => {
    const h = makeHarness({ config });
    seedFreshHost(h);
    const plan = await kernelStep.plan(h.context());
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([
      ['/etc/modules-load.d/kjoin.conf', 0o644],
      ['/etc/sysctl.d/99-kubernetes-kjoin.conf', 0o644],
    ]);
    expect(contentLines(plan.files[0]!.content)).toEqual(['overlay', 'br_netfilter']);
    expect(parseSysctlConf(plan.files[1]!.content)).toEqual({
      'net.bridge.bridge-nf-call-ip6tables': '1',
      'net.bridge.bridge-nf-call-iptables': '1',
      'net.ipv4.ip_forward': '1',
      'net.ipv6.conf.all.forwarding': '1',
    });
    expect(plan.commands).toEqual([
      ['modprobe', 'br_netfilter'],
      ['sysctl', '-w', 'net.bridge.bridge-nf-call-ip6tables=1'],
      ['sysctl', '-w', 'net.bridge.bridge-nf-call-iptables=1'],
      ['sysctl', '-w', 'net.ipv4.ip_forward=1'],
      ['sysctl', '-w', 'net.ipv6.conf.all.forwarding=1'],
    ]);
    expect(plan.downloads).toEqual([]);
  });

  it('loads only the missing module and sets only the sysctls that differ', async () => {
    const h = makeHarness({ config });
    seedFreshHost(h, { ipForward: '1' });
    scriptKernel(h);
    expect((await kernelStep.check(h.context())).status).toBe('needed');

    await kernelStep.apply(h.context());

    expect(argvOf(h.exec, 'modprobe').filter((args) => args[0] !== '-n')).toEqual([['br_netfilter']]);
    expect(argvOf(h.exec, 'sysctl')).toEqual([
      ['-w', 'net.bridge.bridge-nf-call-ip6tables=1'],
      ['-w', 'net.bridge.bridge-nf-call-iptables=1'],
      ['-w', 'net.ipv6.conf.all.forwarding=1'],
    ]);
    expect(h.fs.writes).toEqual([
      { path: '/etc/modules-load.d/kjoin.conf', mode: 0o644 },
      { path: '/etc/sysctl.d/99-kubernetes-kjoin.conf', mode: 0o644 },
    ]);
    expect(h.state.component('kernel')?.files.map((f) => f.path)).toEqual(['/etc/modules-load.d/kjoin.conf', '/etc/sysctl.d/99-kubernetes-kjoin.conf']);
    expect(await kernelStep.check(h.context())).toEqual({ status: 'done' });
  });

  it('is a no-op on the next run: no command, no write', async () => {
    const h = makeHarness({ config });
    seedFreshHost(h);
    scriptKernel(h);
    expect((await h.run([kernelStep])).outcomes.map((o) => o.status)).toEqual(['ok']);
    const calls = h.exec.calls.length;
    await expectConverged(h, kernelStep);
    expect(h.exec.calls.slice(calls).filter((c) => (c.command === 'modprobe' && c.args[0] !== '-n') || c.command === 'sysctl')).toEqual([]);
  });

  it('runs no modprobe when both modules are already loaded', async () => {
    const h = makeHarness({ config });
    seedFreshHost(h);
    scriptKernel(h);
    h.fs.put('/proc/modules', 'br_netfilter 36864 0 - Live 0x0\nbridge 421888 1 br_netfilter, Live 0x0\noverlay 151552 0 - Live 0x0\n');
    h.fs.put('/proc/sys/net/bridge/bridge-nf-call-iptables', '1\n');
    h.fs.put('/proc/sys/net/bridge/bridge-nf-call-ip6tables', '1\n');
    await kernelStep.apply(h.context());
    expect(argvOf(h.exec, 'modprobe')).toEqual([]);
    expect(argvOf(h.exec, 'sysctl')).toEqual([
      ['-w', 'net.ipv4.ip_forward=1'],
      ['-w', 'net.ipv6.conf.all.forwarding=1'],
    ]);
  });

  it('leaves IPv6 forwarding out when the host has no /proc/sys/net/ipv6', async () => {
    const h = makeHarness({ config });
    seedFreshHost(h, { ipv6: false });
    scriptKernel(h);
    const plan = await kernelStep.plan(h.context());
    expect(Object.keys(parseSysctlConf(plan.files[1]!.content))).not.toContain('net.ipv6.conf.all.forwarding');
    expect(plan.commands.flat().join(' ')).not.toContain('ipv6');
    await kernelStep.apply(h.context());
    expect(argvOf(h.exec, 'sysctl').flat().join(' ')).not.toContain('ipv6');
    expect(await kernelStep.check(h.context())).toEqual({ status: 'done' });
  });

  it('fails with a hint about a read-only /proc/sys when sysctl -w is refused', async () => {
    const h = makeHarness({ config });
    seedFreshHost(h);
    scriptKernel(h, { failSysctl: true });
    const error = (await kernelStep.apply(h.context()).catch((e: unknown) => e)) as KjoinError;
    expect(isKjoinError(error)).toBe(true);
    expect(error.code).toBe('step-failed');
    expect(error.message).toContain('net.bridge.bridge-nf-call-ip6tables=1');
    expect(error.message).toContain('Read-only file system');
    expect(error.hint).toMatch(/\/proc\/sys may be read-only/);
  });

  it('fails with a kernel-modules hint when modprobe cannot load br_netfilter', async () => {
    const h = makeHarness({ config });
    seedFreshHost(h);
    scriptKernel(h);
    h.exec.on('modprobe', (args) =>
      args[0] === '-n' ? { exitCode: 0 } : { exitCode: 1, stderr: `modprobe: FATAL: Module br_netfilter not found in directory /lib/modules/${RELEASE}` },
    );
    const error = (await kernelStep.apply(h.context()).catch((e: unknown) => e)) as KjoinError;
    expect(error.message).toBe(`modprobe br_netfilter failed: modprobe: FATAL: Module br_netfilter not found in directory /lib/modules/${RELEASE}`);
    expect(error.hint).toContain(RELEASE);
  });
});
