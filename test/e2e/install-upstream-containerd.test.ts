import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { containerdReleaseArtifacts, runcArtifacts } from '../doubles/mirror/server.js';
import { ensureDebianRuntimeBinaries, type DebianRuntimeBinaries } from './box/debian-binaries.js';
import { MINUTE, useInstallBox } from './install-box.js';
import { KJOIN_IN_BOX, parseEvents } from './kjoin-in-box.js';

/**
 * containerd from the upstream release on a booted Debian 12 box, the path RHEL-family hosts take: the mirror
 * serves a release-shaped tarball and runc (real executables: Debian's builds, as no GitHub release is reachable
 * here) with their sha256sum files; kjoin installs them into /usr/local, runs containerd from its own unit, and a
 * reset takes all of it away again.
 */

const CONTAINERD = '1.7.22';
const RUNC = '1.1.14';
const UNIT = '/usr/local/lib/systemd/system/containerd.service';
let binaries: DebianRuntimeBinaries;

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

const fixture = useInstallBox({
  suite: 'bookworm',
  name: 'upstream-containerd',
  version: '1.31.2',
  joinFlags: ['--containerd-source', 'upstream'],
  extraArtifacts: async () => {
    binaries = await ensureDebianRuntimeBinaries();
    return [...containerdReleaseArtifacts(CONTAINERD, 'amd64', binaries), ...runcArtifacts(RUNC, ['amd64', 'arm64'], { amd64: binaries.runc })];
  },
});

describe('kjoin join --containerd-source upstream on a fresh Debian 12 box', () => {
  const args = () => fixture.joinArgs();

  it('installs the verified release into /usr/local and runs containerd from its own unit; a re-run changes nothing', async () => {
    const first = await fixture.box.exec(args(), { timeoutMs: 15 * MINUTE });
    expect(first.exitCode, first.stderr + first.stdout.slice(-2000)).toBe(0);
    const end = parseEvents(first.stdout).find((e) => e.type === 'step-end' && e.step === 'containerd');
    expect(end?.message).toContain(`containerd ${CONTAINERD} running`);

    // No distribution containerd: everything runs from what kjoin unpacked.
    expect((await fixture.box.exec(['dpkg-query', '-W', '-f=${Status}', 'containerd'])).stdout).not.toContain('install ok installed');
    expect((await fixture.box.exec(['systemctl', 'show', '-P', 'FragmentPath', 'containerd'])).stdout.trim()).toBe(UNIT);
    expect((await fixture.box.exec(['systemctl', 'is-active', 'containerd'])).stdout.trim()).toBe('active');
    expect((await fixture.box.exec(['systemctl', 'is-enabled', 'containerd'])).stdout.trim()).toBe('enabled');
    const version = await fixture.box.exec(['/usr/local/bin/ctr', 'version']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/Server:\s+Version:\s+1\.6\.20/); // Debian's build, packed as the release
    for (const [path, body] of [['/usr/local/bin/containerd', binaries.containerd], ['/usr/local/bin/containerd-shim-runc-v2', binaries['containerd-shim-runc-v2']], ['/usr/local/sbin/runc', binaries.runc]] as const) {
      const inBox = await fixture.box.exec(['sha256sum', path]);
      expect(inBox.stdout.split(' ')[0], path).toBe(sha256(body));
      expect((await fixture.box.exec(['stat', '-c', '%a', path])).stdout.trim()).toBe('755');
    }
    expect((await fixture.box.exec(['runc', '--version'])).stdout).toMatch(/^runc version/m);
    expect(await fixture.box.readFile('/etc/containerd/config.toml')).toMatch(/^\s*SystemdCgroup = true$/m);
    expect((await fixture.box.exec(['ls', '-A', '/var/lib/kjoin/cache'])).stdout.trim()).toBe('');

    const before = (await fixture.box.exec(['sh', '-c', 'stat -c "%n %Y" /usr/local/bin/* /usr/local/sbin/runc /usr/local/lib/systemd/system/containerd.service /etc/containerd/config.toml'])).stdout;
    const second = await fixture.box.exec(args(), { timeoutMs: 5 * MINUTE });
    expect(second.exitCode, second.stderr).toBe(0);
    const ends = parseEvents(second.stdout).filter((e) => e.type === 'step-end' && e.status !== 'skipped');
    expect(ends.filter((e) => e.status !== 'no-change').map((e) => e.step)).toEqual([]);
    expect((await fixture.box.exec(['sh', '-c', 'stat -c "%n %Y" /usr/local/bin/* /usr/local/sbin/runc /usr/local/lib/systemd/system/containerd.service /etc/containerd/config.toml'])).stdout).toBe(before);
  }, 20 * MINUTE);

  it('reset stops containerd and removes the release binaries and its unit', async () => {
    const result = await fixture.box.exec([KJOIN_IN_BOX, 'reset', '--output', 'json'], { timeoutMs: 5 * MINUTE });
    expect(result.exitCode, result.stderr + result.stdout.slice(-2000)).toBe(0);
    expect((await fixture.box.exec(['systemctl', 'is-active', 'containerd'])).stdout.trim()).not.toBe('active');
    for (const path of ['/usr/local/bin/containerd', '/usr/local/bin/ctr', '/usr/local/sbin/runc', UNIT, '/usr/local/bin/kubelet']) {
      expect((await fixture.box.exec(['test', '-e', path])).exitCode, path).toBe(1);
    }
    expect((await fixture.box.exec(['systemctl', 'show', '-P', 'LoadState', 'containerd'])).stdout.trim()).toBe('not-found');
  }, 10 * MINUTE);
});
