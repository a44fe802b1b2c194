import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cniPluginsArtifact, kubeletArtifacts, startMirror, type Mirror } from '../doubles/mirror/server.js';
import { bootBox, ensureRootfs, type Box } from './box/index.js';
import { installKjoin, KJOIN_IN_BOX, parseEvents, prepareHostSysctls } from './kjoin-in-box.js';

/** The install path on Debian 13 (trixie): a fresh join to kubelet-ready, then a re-run that changes nothing. */

const MINUTE = 60_000;
const VERSION = '1.31.2';
let box: Box;
let mirror: Mirror;

beforeAll(async () => {
  await prepareHostSysctls();
  const rootfs = await ensureRootfs({ suite: 'trixie', arch: 'amd64' });
  box = await bootBox({ rootfs, name: 'trixie' });
  mirror = await startMirror({ artifacts: [...kubeletArtifacts(VERSION, ['amd64']), ...cniPluginsArtifact('1.5.1', 'amd64')] });
  await installKjoin(box);
}, 20 * MINUTE);

afterAll(async () => {
  await mirror?.close();
  await box?.stop();
}, 2 * MINUTE);

describe('kjoin join on a fresh Debian 13 box (install phases)', () => {
  const args = () => [KJOIN_IN_BOX, 'join', '--output', 'json', '--mirror', mirror.url, '--kubernetes-version', VERSION, '--skip-phases', 'network,register,start,verify'];

  it('installs to kubelet-ready, then a re-run changes nothing', async () => {
    expect(await box.readFile('/etc/os-release')).toMatch(/^VERSION_ID="13"$/m);
    const first = await box.exec(args(), { timeoutMs: 15 * MINUTE });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(parseEvents(first.stdout).find((e) => e.step === 'os' && e.type === 'check')?.status).toBe('ok');
    expect((await box.exec(['systemctl', 'is-active', 'containerd'])).stdout.trim()).toBe('active');
    expect((await box.exec(['ctr', 'version'])).exitCode).toBe(0);
    expect(await box.readFile('/etc/containerd/config.toml')).toMatch(/^\s*SystemdCgroup = true$/m);
    expect((await box.exec(['systemctl', 'is-enabled', 'kubelet'])).stdout.trim()).toBe('enabled');

    const second = await box.exec(args(), { timeoutMs: 5 * MINUTE });
    expect(second.exitCode, second.stderr).toBe(0);
    const ends = parseEvents(second.stdout).filter((e) => e.type === 'step-end' && e.status !== 'skipped');
    expect(ends.every((e) => e.status === 'no-change')).toBe(true);
  }, 20 * MINUTE);
});
