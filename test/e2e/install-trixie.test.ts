import { describe, expect, it } from 'vitest';
import { MINUTE, useInstallBox } from './install-box.js';
import { parseEvents } from './kjoin-in-box.js';

/** The install path on Debian 13 (trixie): a fresh join to kubelet-ready, then a re-run that changes nothing. */

const fixture = useInstallBox({ suite: 'trixie', name: 'trixie', version: '1.31.2' });

describe('kjoin join on a fresh Debian 13 box (install phases)', () => {
  const args = () => fixture.joinArgs();

  it('installs to kubelet-ready, then a re-run changes nothing', async () => {
    expect(await fixture.box.readFile('/etc/os-release')).toMatch(/^VERSION_ID="13"$/m);
    const first = await fixture.box.exec(args(), { timeoutMs: 15 * MINUTE });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(parseEvents(first.stdout).find((e) => e.step === 'os' && e.type === 'check')?.status).toBe('ok');
    expect((await fixture.box.exec(['systemctl', 'is-active', 'containerd'])).stdout.trim()).toBe('active');
    expect((await fixture.box.exec(['ctr', 'version'])).exitCode).toBe(0);
    expect(await fixture.box.readFile('/etc/containerd/config.toml')).toMatch(/^\s*SystemdCgroup = true$/m);
    expect((await fixture.box.exec(['systemctl', 'is-enabled', 'kubelet'])).stdout.trim()).toBe('enabled');

    const second = await fixture.box.exec(args(), { timeoutMs: 5 * MINUTE });
    expect(second.exitCode, second.stderr).toBe(0);
    const ends = parseEvents(second.stdout).filter((e) => e.type === 'step-end' && e.status !== 'skipped');
    expect(ends.every((e) => e.status === 'no-change')).toBe(true);
  }, 20 * MINUTE);
});
