import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usesDistroContainerd } from '../../../src/steps/containerd-source.js';
import { packagesStep } from '../../../src/steps/packages.js';
import { argvOf, expectConverged, loadTestConfig, makeDebianFacts, makeHarness, type StepHarness } from './step-context.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/platform/${name}`, import.meta.url), 'utf8');

/** What a Debian 12 generic cloud image has installed out of the box (versions from bookworm). */
const BOOKWORM_BASE: Record<string, string> = {
  'ca-certificates': '20230311',
  iptables: '1.8.9-2',
  kmod: '30+20221128-1',
  procps: '2:4.0.2-3',
  ethtool: '1:6.1-1',
};
const WANTED = ['ca-certificates', 'conntrack', 'iptables', 'socat', 'ethtool', 'ebtables', 'kmod', 'procps', 'wireguard-tools', 'containerd'];
const LIST = '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4';

/** dpkg-query answers from `installed`; a successful apt-get install adds what it was asked for (after `onInstall`). */
function scriptDebian(h: StepHarness, installed: Record<string, string>, onInstall?: () => void): Map<string, string> {
  const packages = new Map(Object.entries(installed));
  h.exec.on('dpkg-query', (args) => {
    const names = args.slice(2);
    const known = names.filter((name) => packages.has(name));
    return {
      exitCode: known.length === names.length ? 0 : 1,
      stdout: known.map((name) => `${name}\tinstall ok installed\t${packages.get(name)}\n`).join(''),
      stderr: names.filter((name) => !packages.has(name)).map((name) => `dpkg-query: no packages found matching ${name}`).join('\n'),
    };
  });
  h.exec.on('apt-get', (args) => {
    if (args[0] === '--version') return { stdout: 'apt 2.6.1 (amd64)\nSupported modules:' };
    if (args.includes('update')) {
      h.fs.put(LIST, 'Package: conntrack\n');
      h.fs.files.get(LIST)!.mtimeMs = h.clock.now().getTime();
      return { stdout: 'Hit:1 http://deb.debian.org/debian bookworm InRelease\nReading package lists...' };
    }
    onInstall?.();
    for (const name of args.slice(args.indexOf('--no-install-recommends') + 1)) packages.set(name, '1.0');
    return { stdout: fixture('apt-get-install-bookworm.stdout.txt'), stderr: fixture('apt-get-install-bookworm.stderr.txt') };
  });
  return packages;
}

function verbOf(args: string[]): string | undefined {
  return args.find((arg) => arg === 'update' || arg === 'install' || arg === '--version');
}

describe('packages step on Debian 12', () => {
  it('is done and runs no apt-get at all when everything is installed', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    scriptDebian(h, Object.fromEntries(WANTED.map((name) => [name, '1.0'])));
    expect(await packagesStep.check(h.context())).toEqual({ status: 'done', reason: 'all installed' });
    expect((await packagesStep.plan(h.context())).commands).toEqual([]);
    await packagesStep.apply(h.context());
    expect(argvOf(h.exec, 'apt-get')).toEqual([]);
  });

  it('refreshes missing lists, then installs only the missing names in one apt-get install', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    scriptDebian(h, BOOKWORM_BASE);
    const missing = ['conntrack', 'socat', 'ebtables', 'wireguard-tools', 'containerd'];
    expect(await packagesStep.check(h.context())).toEqual({ status: 'needed', reason: `missing ${missing.join(', ')}` });
    const plan = await packagesStep.plan(h.context());
    expect(plan.commands).toHaveLength(1);
    expect(plan.commands[0]!.slice(plan.commands[0]!.indexOf('install'))).toEqual(['install', '--no-install-recommends', ...missing]);

    await packagesStep.apply(h.context());

    const aptCalls = argvOf(h.exec, 'apt-get').filter((args) => args[0] !== '--version');
    expect(aptCalls.map(verbOf)).toEqual(['update', 'install']);
    expect(aptCalls[1]!.slice(aptCalls[1]!.indexOf('--no-install-recommends') + 1)).toEqual(missing);
    expect(h.exec.calls.flatMap((c) => c.args)).not.toContain('software-properties-common');
    expect(h.state.component('packages')).toMatchObject({ source: 'apt', packages: [...missing].sort(), skippedPackages: [] });
    expect(await packagesStep.check(h.context())).toEqual({ status: 'done', reason: 'all installed' });
  });

  it('lets the steps beside it start once apt-get install runs, not before', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    scriptDebian(h, BOOKWORM_BASE);

    await packagesStep.apply(h.context());

    const installing = h.progress.findIndex((p) => p.message.startsWith('installing '));
    expect(installing).toBeGreaterThan(h.progress.findIndex((p) => /running apt-get update/.test(p.message)));
    expect(h.longWaits).toEqual([installing + 1]);
  });

  it('lets them start while it waits for the dpkg lock, too', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    scriptDebian(h, BOOKWORM_BASE);
    // unattended-upgrades holds dpkg's frontend lock, as /proc/locks shows it.
    h.fs.put('/var/lib/dpkg/lock-frontend', '', 0o640);
    h.fs.put('/proc/4321/comm', 'apt-get\n');
    h.fs.put('/proc/locks', `1: POSIX  ADVISORY  WRITE 4321 08:01:${(await h.fs.stat('/var/lib/dpkg/lock-frontend'))!.ino} 0 EOF\n`);

    await packagesStep.apply(h.context());

    const waiting = h.progress.findIndex((p) => p.message === 'waiting for the dpkg lock held by PID 4321 (apt-get)');
    expect(waiting).toBeGreaterThan(-1);
    expect(h.longWaits[0]).toBe(waiting + 1);
  });

  it('skips apt-get update when the package lists are fresh', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    scriptDebian(h, BOOKWORM_BASE);
    h.fs.put(LIST, 'Package: conntrack\n');
    h.fs.files.get(LIST)!.mtimeMs = h.clock.now().getTime() - 10 * 60_000;
    await packagesStep.apply(h.context());
    expect(argvOf(h.exec, 'apt-get').map(verbOf)).toEqual(['--version', 'install']);
  });

  it('leaves containerd out when it comes from the upstream release', async () => {
    const h = makeHarness({ config: await loadTestConfig({ flags: { containerdSource: 'upstream' } }) });
    scriptDebian(h, BOOKWORM_BASE);
    expect(usesDistroContainerd(h.context())).toBe(false);
    await packagesStep.apply(h.context());
    const install = argvOf(h.exec, 'apt-get').find((args) => verbOf(args) === 'install')!;
    expect(install).toContain('conntrack');
    expect(install).not.toContain('containerd');
  });

  it('includes containerd when it comes from the distribution', async () => {
    const h = makeHarness({ config: await loadTestConfig({ flags: { containerdSource: 'distro' } }) });
    scriptDebian(h, BOOKWORM_BASE);
    expect(usesDistroContainerd(h.context())).toBe(true);
    await packagesStep.apply(h.context());
    expect(argvOf(h.exec, 'apt-get').find((args) => verbOf(args) === 'install')).toContain('containerd');
  });

  it('asks for the AppArmor parser only when AppArmor is on without it', async () => {
    const h = makeHarness({ config: await loadTestConfig(), facts: makeDebianFacts({ apparmor: { enabled: true, parser: false } }) });
    scriptDebian(h, BOOKWORM_BASE);
    expect((await packagesStep.check(h.context())).reason).toContain('apparmor');
  });

  it('forwards apt progress (downloads, unpacking, setting up) as step progress', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    scriptDebian(h, BOOKWORM_BASE);
    await packagesStep.apply(h.context());
    expect(h.progress).toContainEqual({ message: 'no package lists yet: running apt-get update', data: { kind: 'refresh' } });
    expect(h.progress).toContainEqual({ message: 'downloading conntrack 1:1.4.7-1+b2 (35.2 kB)', data: { package: 'conntrack', kind: 'download' } });
    expect(h.progress).toContainEqual({ message: 'unpacking socat', data: { package: 'socat', kind: 'unpack' } });
    expect(h.progress).toContainEqual({ message: 'setting up conntrack', data: { package: 'conntrack', kind: 'configure' } });
  });

  it('is a no-op on the next run: no apt-get, no write', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    scriptDebian(h, BOOKWORM_BASE);
    expect((await h.run([packagesStep])).outcomes.map((o) => o.status)).toEqual(['ok']);
    const aptCalls = argvOf(h.exec, 'apt-get').length;
    await expectConverged(h, packagesStep);
    expect(argvOf(h.exec, 'apt-get')).toHaveLength(aptCalls);
  });
});

describe('packages step: containerd configuration ahead of the package', () => {
  it('writes config.toml before apt installs containerd, so the package starts it on kjoin\'s configuration', async () => {
    const h = makeHarness({ config: await loadTestConfig() });
    let configAtInstall: string | null = null;
    const packages = scriptDebian(h, BOOKWORM_BASE, () => {
      configAtInstall = h.fs.files.get('/etc/containerd/config.toml')?.content.toString() ?? null;
    });

    await packagesStep.apply(h.context());

    expect(packages.has('containerd')).toBe(true);
    expect(configAtInstall).toMatch(/^\s*SystemdCgroup = true$/m);
    expect(await h.fs.stat('/etc/containerd/config.toml')).toMatchObject({ mode: 0o644 });
    // Recorded for reset, without a version: the containerd step records it once the package is there.
    expect(h.state.component('containerd')).toMatchObject({ files: [{ path: '/etc/containerd/config.toml', mode: 0o644 }], units: [] });
    expect(h.state.component('containerd')?.version).toBeUndefined();
    expect(h.progress.map((p) => p.message)).toContain('wrote /etc/containerd/config.toml first, so containerd starts on it');
  });

  it('writes nothing ahead when containerd is installed already or comes from the upstream release', async () => {
    const installed = makeHarness({ config: await loadTestConfig() });
    scriptDebian(installed, { ...BOOKWORM_BASE, containerd: '1.6.20~ds1-1+b1' });
    await packagesStep.apply(installed.context());
    expect(installed.fs.files.has('/etc/containerd/config.toml')).toBe(false);

    const upstream = makeHarness({ config: await loadTestConfig({ flags: { containerdSource: 'upstream' } }) });
    scriptDebian(upstream, BOOKWORM_BASE);
    await packagesStep.apply(upstream.context());
    expect(upstream.fs.files.has('/etc/containerd/config.toml')).toBe(false);
    expect(upstream.state.component('containerd')).toBeUndefined();
  });
});
