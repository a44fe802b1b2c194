import { describe, expect, it } from 'vitest';
import { MINUTE, useInstallBox } from './install-box.js';
import { parseEvents } from './kjoin-in-box.js';

/**
 * A join killed in the middle of the package install, on a fresh Debian 12 box: kjoin, apt-get and dpkg all
 * SIGKILLed while dpkg unpacks (as a reboot or the OOM killer would), then the same join again. apt refuses to
 * install after an interrupted dpkg ("you must manually run 'dpkg --configure -a'"); kjoin finishes dpkg's run and
 * converges.
 */

// dpkg journals each change in /var/lib/dpkg/updates/<number> until it folds them into its status file: a kill then
// is what makes apt say "dpkg was interrupted" (apt counts the numbered files, not dpkg's tmp.i).
const JOURNAL_PENDING = `ls /var/lib/dpkg/updates | grep -qx '[0-9]*'`;
const DPKG_UNPACKING = `${JOURNAL_PENDING} || exit 1; for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^/usr/bin/dpkg .*--unpack' && exit 0; done; exit 1`;
// A fresh minbase box has no pgrep or pkill (procps is among what kjoin installs): /proc read by hand.
const killAll = (names: string) => `for p in /proc/[0-9]*; do case "$(cat $p/comm 2>/dev/null)" in ${names}) kill -KILL \${p#/proc/} 2>/dev/null;; esac; done`;
// kjoin first, so it cannot see apt-get die and end on its own.
const KILL_INSTALL = `${killAll('kjoin')}; ${killAll('apt-get|dpkg|dpkg-deb')}; true`;

const fixture = useInstallBox({ suite: 'bookworm', name: 'interrupted', version: '1.31.2' });

describe('kjoin join killed during the package install', () => {
  const args = () => fixture.joinArgs();

  it('converges when run again after kjoin, apt-get and dpkg were SIGKILLed mid-unpack', async () => {
    const running = fixture.box.exec(args(), { timeoutMs: 15 * MINUTE });
    const deadline = Date.now() + 10 * MINUTE;
    // dpkg at work on the downloaded packages, with changes not yet folded in: a kill now leaves it half-way.
    while ((await fixture.box.exec(['sh', '-c', DPKG_UNPACKING])).exitCode !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await fixture.box.exec(['sh', '-c', KILL_INSTALL]);
    const killed = await running;
    expect(killed.exitCode).toBe(137);
    expect((await fixture.box.exec(['sh', '-c', JOURNAL_PENDING])).exitCode, 'the kill left dpkg half-way').toBe(0);

    const again = await fixture.box.exec(args(), { timeoutMs: 15 * MINUTE });
    expect(again.exitCode, again.stderr).toBe(0);
    const events = parseEvents(again.stdout);
    expect(events.some((e) => e.step === 'packages' && /dpkg run was interrupted: running dpkg --configure -a/.test(e.message))).toBe(true);
    expect((await fixture.box.exec(['ls', '/var/lib/dpkg/updates'])).stdout).toBe('');
    expect((await fixture.box.exec(['dpkg', '--audit'])).stdout).toBe('');
    expect((await fixture.box.exec(['systemctl', 'is-active', 'containerd'])).stdout.trim()).toBe('active');
    expect((await fixture.box.exec(['systemctl', 'is-enabled', 'kubelet'])).stdout.trim()).toBe('enabled');

    const third = await fixture.box.exec(args(), { timeoutMs: 5 * MINUTE });
    expect(third.exitCode, third.stderr).toBe(0);
    expect(parseEvents(third.stdout).filter((e) => e.type === 'step-end' && e.status !== 'skipped' && e.status !== 'no-change')).toEqual([]);
  }, 30 * MINUTE);
});
