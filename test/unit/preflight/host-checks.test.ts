import { describe, expect, it } from 'vitest';
import {
  checkAppArmor,
  checkArch,
  checkCgroup,
  checkClock,
  checkOsSupport,
  checkRoot,
  checkSystemd,
  SUPPORTED_OS_SUMMARY,
} from '../../../src/preflight/host-checks.js';
import { makeContext, makeFacts } from './context.js';

describe('root check', () => {
  it('passes as root', async () => {
    expect((await checkRoot.run(makeContext({ isRoot: true }))).status).toBe('ok');
  });

  it('fails otherwise and says how to run it', async () => {
    const verdict = await checkRoot.run(makeContext({ isRoot: false }));
    expect(verdict.status).toBe('fail');
    expect(verdict.status !== 'ok' && verdict.remediation).toContain('sudo kjoin');
  });
});

describe('os support check', () => {
  const base = makeFacts().os;

  it('is ok on a supported distribution and names it', async () => {
    const verdict = await checkOsSupport.run(makeContext());
    expect(verdict).toEqual({ status: 'ok', message: 'Debian GNU/Linux 12 (bookworm) is supported' });
  });

  it('warns on a best-effort distribution with the reason', async () => {
    const os = { ...base, id: 'opensuse-leap', prettyName: 'openSUSE Leap 15.6', support: 'best-effort' as const, supportReason: 'zypper support is untested' };
    const verdict = await checkOsSupport.run(makeContext({ facts: { os } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.message).toContain('openSUSE Leap 15.6');
    expect(verdict.message).toContain('zypper support is untested');
  });

  it('fails on an unsupported distribution, naming it and the supported list', async () => {
    const os = { ...base, id: 'gentoo', name: 'Gentoo', versionId: '2.17', prettyName: null, family: 'other' as const, support: 'unsupported' as const, supportReason: 'no supported package manager' };
    const verdict = await checkOsSupport.run(makeContext({ facts: { os } }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('Gentoo 2.17 is not supported');
    expect(verdict.message).toContain(SUPPORTED_OS_SUMMARY);
    expect(verdict.status !== 'ok' && verdict.remediation).toContain('Ubuntu');
  });
});

describe('arch check', () => {
  it('accepts arm64', async () => {
    const verdict = await checkArch.run(makeContext({ facts: { arch: 'arm64', rawArch: 'aarch64' } }));
    expect(verdict).toEqual({ status: 'ok', message: 'arm64 (aarch64)' });
  });

  it('fails on anything else and names the raw machine string', async () => {
    const verdict = await checkArch.run(makeContext({ facts: { arch: null, rawArch: 'riscv64' } }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('riscv64');
    expect(verdict.message).toMatch(/amd64.*arm64/);
  });
});

describe('systemd check', () => {
  it('fails without systemd, saying why kjoin needs it', async () => {
    const verdict = await checkSystemd.run(makeContext({ facts: { initSystem: 'other' } }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('kjoin manages kubelet and containerd as systemd units');
  });

  it('passes with systemd', async () => {
    expect((await checkSystemd.run(makeContext())).status).toBe('ok');
  });
});

describe('cgroup check', () => {
  it('is ok on cgroup v2', async () => {
    expect((await checkCgroup.run(makeContext())).status).toBe('ok');
  });

  it('warns on cgroup v1', async () => {
    const verdict = await checkCgroup.run(makeContext({ facts: { cgroup: { version: 1 } } }));
    expect(verdict.status).toBe('warn');
    expect(verdict.status !== 'ok' && verdict.remediation).toContain('systemd.unified_cgroup_hierarchy=1');
  });

  it('fails when no cgroup hierarchy was found', async () => {
    const verdict = await checkCgroup.run(makeContext({ facts: { cgroup: { version: null } } }));
    expect(verdict.status).toBe('fail');
  });
});

describe('apparmor check', () => {
  it('fails when AppArmor is enabled but apparmor_parser is missing', async () => {
    const verdict = await checkAppArmor.run(makeContext({ facts: { apparmor: { enabled: true, parser: false } } }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('apparmor_parser is missing');
    expect(verdict.message).toContain('Ubuntu 20.10');
    expect(verdict.status !== 'ok' && verdict.remediation).toContain('apparmor package');
  });

  it('passes when the parser is present or AppArmor is off', async () => {
    expect((await checkAppArmor.run(makeContext({ facts: { apparmor: { enabled: true, parser: true } } }))).status).toBe('ok');
    expect((await checkAppArmor.run(makeContext({ facts: { apparmor: { enabled: false, parser: false } } }))).status).toBe('ok');
  });
});

describe('clock check', () => {
  it('fails when the clock is before 2024', async () => {
    const verdict = await checkClock.run(makeContext({ now: '1970-01-01T00:00:12.000Z' }));
    expect(verdict.status).toBe('fail');
    expect(verdict.message).toContain('1970-01-01T00:00:12.000Z');
    expect(verdict.message).toContain('TLS certificates will not validate');
  });

  it('passes with a current clock', async () => {
    const verdict = await checkClock.run(makeContext({ now: '2026-03-01T08:00:00.000Z' }));
    expect(verdict).toEqual({ status: 'ok', message: 'clock reads 2026-03-01T08:00:00.000Z' });
  });
});
