import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOST_CHECKS, runCheck, runPreflight, summarisePreflight, type CheckOutcome } from '../../../src/preflight/checks.js';
import { makeConfig, makeContext } from './context.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

/** A clean Debian 12 VM: modules loaded, forwarding on, no swap, nothing listening on node ports. */
const HEALTHY_HOST = {
  '/proc/modules': 'overlay 151552 0 - Live 0x0000000000000000\nbr_netfilter 32768 0 - Live 0x0000000000000000\n',
  '/proc/sys/net/ipv4/ip_forward': '1\n',
  '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n',
  '/proc/net/tcp6': fixture('net-tcp6'),
};

describe('runPreflight', () => {
  it('passes a healthy host with every host check ok and no network probe without a config', async () => {
    const ctx = makeContext({ files: HEALTHY_HOST });
    const outcomes = await runPreflight(ctx);
    expect(outcomes.map((o) => o.id)).toEqual(HOST_CHECKS.map((c) => c.id));
    expect(outcomes.filter((o) => o.status !== 'ok')).toEqual([]);
    expect(ctx.net.calls.some((c) => c.method === 'resolve')).toBe(false);
  });

  it('reports every problem of a small, misconfigured VM at once', async () => {
    const ctx = makeContext({
      facts: { memoryBytes: 1_004_896 * 1024, cpus: 1, apparmor: { enabled: true, parser: false } },
      files: { ...HEALTHY_HOST, '/proc/net/tcp': fixture('net-tcp') },
      isRoot: false,
    });
    const outcomes = await runPreflight(ctx);
    const byId = new Map(outcomes.map((o) => [o.id, o.status]));
    expect(byId.get('root')).toBe('fail');
    expect(byId.get('memory')).toBe('fail');
    expect(byId.get('cpus')).toBe('warn');
    expect(byId.get('apparmor')).toBe('fail');
    expect(byId.get('port-10250')).toBe('fail');
    expect(byId.get('port-10256')).toBe('ok');
    expect(summarisePreflight(outcomes)).toMatchObject({ fail: 4, warn: 1, passed: false });
  });

  it('appends the control plane probes when a server is configured', async () => {
    const ctx = makeContext({ files: HEALTHY_HOST, config: makeConfig({ server: 'https://10.0.0.1:6443' }) });
    ctx.net.listen('10.0.0.1', 6443, { authorized: false, authorizationError: 'self-signed certificate in certificate chain', authorizationCode: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const outcomes = await runPreflight(ctx);
    expect(outcomes.slice(-3).map((o) => [o.id, o.status])).toEqual([
      ['control-plane-dns', 'ok'],
      ['control-plane-tcp', 'ok'],
      ['control-plane-tls', 'warn'],
    ]);
    expect(summarisePreflight(outcomes).passed).toBe(true);
  });

  it('gives every warn and fail a remediation', async () => {
    const ctx = makeContext({
      facts: { memoryBytes: 1.8 * 1024 ** 3, swapBytes: 1024 ** 3, cgroup: { version: null }, initSystem: 'other', arch: null, rawArch: 'ppc64le' },
      files: { '/etc/kubernetes/kubelet.conf': 'apiVersion: v1\nkind: Config\n', '/usr/bin/kubelet': 'ELF' },
      config: makeConfig({ server: 'https://cp.invalid:6443' }),
    });
    const outcomes = await runPreflight(ctx);
    const problems = outcomes.filter((o) => o.status !== 'ok');
    expect(problems.length).toBeGreaterThan(8);
    for (const o of problems) expect(o.remediation, o.id).toMatch(/\S/);
  });
});

describe('runCheck', () => {
  it('turns a throwing check into a fail with the one-line message', async () => {
    const broken = {
      id: 'broken',
      title: 'a check that throws',
      run: async () => {
        throw new Error('EACCES: permission denied, open /proc/swaps\n    at stack line');
      },
    };
    const outcome = await runCheck(broken, makeContext());
    expect(outcome).toMatchObject({ id: 'broken', status: 'fail', message: 'EACCES: permission denied, open /proc/swaps' });
    expect(outcome.remediation).toBeTruthy();
  });

  it('keeps the run going when the file system port throws', async () => {
    const ctx = makeContext({ files: HEALTHY_HOST });
    ctx.fs.freeBytes = async () => {
      throw new Error('statfs failed');
    };
    const outcomes = await runPreflight(ctx);
    expect(outcomes.find((o) => o.id === 'disk')).toMatchObject({ status: 'fail', message: 'statfs failed' });
    expect(outcomes).toHaveLength(HOST_CHECKS.length);
  });
});

describe('summarisePreflight', () => {
  const outcome = (status: CheckOutcome['status']): CheckOutcome => ({ id: status, title: status, status, message: '' });

  it('counts statuses; warnings still pass', () => {
    expect(summarisePreflight([outcome('ok'), outcome('warn'), outcome('ok')])).toEqual({ ok: 2, warn: 1, fail: 0, passed: true });
    expect(summarisePreflight([outcome('fail'), outcome('warn')])).toEqual({ ok: 0, warn: 1, fail: 1, passed: false });
    expect(summarisePreflight([])).toEqual({ ok: 0, warn: 0, fail: 0, passed: true });
  });
});
