import { beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { disableFstabSwap, FSTAB_MARKER, parseProcSwaps, restoreFstabSwap, swapStep } from '../../../src/steps/swap.js';
import { readFixture } from '../facts/fixtures.js';
import { argvOf, expectConverged, loadTestConfig, makeHarness, type StepHarness } from './step-context.js';

/** /etc/fstab as the Debian 12 installer writes it, plus a swap file, a CD-ROM and an already-disabled swap line. */
const DEBIAN_FSTAB = `${readFixture('etc', 'fstab-debian12')}#/dev/vdb1 none swap sw 0 0\n/dev/vdc1 /swap ext4 defaults 0 2\n`;

const PROC_SWAPS_HEADER = readFixture('proc', 'swaps-none');
const PROC_SWAPS_ACTIVE = readFixture('proc', 'swaps-debian12');

describe('parseProcSwaps', () => {
  it('lists active devices and files, skipping the header', () => {
    expect(parseProcSwaps(PROC_SWAPS_ACTIVE)).toEqual(['/dev/vda5', '/swapfile']);
  });

  it('is empty when only the header is there, or the file is empty', () => {
    expect(parseProcSwaps(PROC_SWAPS_HEADER)).toEqual([]);
    expect(parseProcSwaps('')).toEqual([]);
  });
});

describe('disableFstabSwap / restoreFstabSwap', () => {
  it('comments out exactly the active swap entries (UUID= and swap file) and nothing else', () => {
    const disabled = disableFstabSwap(DEBIAN_FSTAB)!;
    const changed = disabled.split('\n').filter((line, i) => line !== DEBIAN_FSTAB.split('\n')[i]);
    expect(changed).toEqual([
      `${FSTAB_MARKER}UUID=8a2b4c6d-1e3f-4a5b-9c7d-0e1f2a3b4c5d none            swap    sw              0       0`,
      `${FSTAB_MARKER}/swapfile\tnone\tswap\tdefaults\t0\t0`,
    ]);
    // already-commented swap and a file system mounted at /swap stay as they were
    expect(disabled).toContain('\n#/dev/vdb1 none swap sw 0 0\n');
    expect(disabled).toContain('\n/dev/vdc1 /swap ext4 defaults 0 2\n');
    expect(disabled.endsWith('\n')).toBe(true);
  });

  it('round-trips: restore gives back the original byte for byte', () => {
    expect(restoreFstabSwap(disableFstabSwap(DEBIAN_FSTAB)!)).toBe(DEBIAN_FSTAB);
  });

  it('returns null when no active swap entry is left (so a second pass changes nothing)', () => {
    expect(disableFstabSwap(disableFstabSwap(DEBIAN_FSTAB)!)).toBeNull();
    expect(disableFstabSwap('UUID=3f1c /  ext4 errors=remount-ro 0 1\n#/swap.img none swap sw 0 0\n')).toBeNull();
  });

  it('leaves lines that only look like the marker alone on restore', () => {
    const fstab = '# kjoin-swap-off is not the marker\n/swap.img\tnone\tswap\tsw\t0\t0\n';
    expect(restoreFstabSwap(fstab)).toBe(fstab);
  });
});

/** systemctl list-unit-files / list-units answered from FakeSystemd's state, so masking shows up like on a host. */
function scriptSystemctl(h: StepHarness): void {
  h.exec.on('systemctl', (args) => {
    const swaps = [...h.systemd.units].filter(([unit]) => unit.endsWith('.swap'));
    if (args[0] === 'list-unit-files') return { stdout: swaps.map(([unit, state]) => `${unit} ${state.enabled} -`).join('\n') };
    if (args[0] === 'list-units') {
      return { stdout: swaps.map(([unit, state]) => `${unit} loaded ${state.active ? 'active active' : 'inactive dead'} Swap`).join('\n') };
    }
    return { exitCode: 1, stderr: `unexpected systemctl ${args.join(' ')}` };
  });
  h.exec.on('swapoff', () => {
    h.fs.put('/proc/swaps', PROC_SWAPS_HEADER);
    return {};
  });
}

function makeSwapHost(config: ResolvedConfig, options: { active?: boolean } = {}): StepHarness {
  const h = makeHarness({ config });
  h.fs.put('/etc/fstab', DEBIAN_FSTAB);
  h.fs.put('/proc/swaps', options.active === false ? PROC_SWAPS_HEADER : PROC_SWAPS_ACTIVE);
  h.systemd.setUnit('dev-disk-by\\x2duuid-8a2b4c6d\\x2d1e3f\\x2d4a5b\\x2d9c7d\\x2d0e1f2a3b4c5d.swap', { enabled: 'generated', active: options.active !== false });
  h.systemd.setUnit('swapfile.swap', { enabled: 'generated', active: options.active !== false });
  scriptSystemctl(h);
  return h;
}

describe('swap step', () => {
  let config: ResolvedConfig;
  beforeEach(async () => {
    config = await loadTestConfig();
  });

  it('plans the rewritten fstab, swapoff and one mask per swap unit', async () => {
    const h = makeSwapHost(config);
    const plan = await swapStep.plan(h.context());
    expect(plan.files).toEqual([{ path: '/etc/fstab', mode: 0o644, content: disableFstabSwap(DEBIAN_FSTAB) }]);
    expect(plan.commands).toEqual([
      ['swapoff', '-a'],
      ['systemctl', 'mask', 'dev-disk-by\\x2duuid-8a2b4c6d\\x2d1e3f\\x2d4a5b\\x2d9c7d\\x2d0e1f2a3b4c5d.swap'],
      ['systemctl', 'mask', 'swapfile.swap'],
    ]);
    expect((await swapStep.check(h.context())).status).toBe('needed');
  });

  it('turns swap off, comments fstab, masks the units, and keeps the original fstab', async () => {
    const h = makeSwapHost(config);
    await swapStep.apply(h.context());

    expect(argvOf(h.exec, 'swapoff')).toEqual([['-a']]);
    expect(await h.fs.readText('/etc/fstab')).toBe(disableFstabSwap(DEBIAN_FSTAB));
    expect(await h.fs.readText('/var/lib/kjoin/backup/etc/fstab')).toBe(DEBIAN_FSTAB);
    expect(h.systemd.calls.map((c) => c.op)).toEqual(['mask', 'mask']);
    const record = h.state.component('swap')!;
    expect(record.backups).toEqual([{ path: '/etc/fstab', backup: '/var/lib/kjoin/backup/etc/fstab', mode: 0o644 }]);
    expect(record.masked.sort()).toEqual(['dev-disk-by\\x2duuid-8a2b4c6d\\x2d1e3f\\x2d4a5b\\x2d9c7d\\x2d0e1f2a3b4c5d.swap', 'swapfile.swap']);
    expect(await swapStep.check(h.context())).toEqual({ status: 'done', reason: 'swap is off' });
  });

  it('is a no-op on the next run: no swapoff, no write, no mask', async () => {
    const h = makeSwapHost(config);
    expect((await h.run([swapStep])).outcomes.map((o) => o.status)).toEqual(['ok']);
    await expectConverged(h, swapStep);
    expect(argvOf(h.exec, 'swapoff')).toEqual([['-a']]);
  });

  it('runs no swapoff when nothing is active but still fixes fstab and the units', async () => {
    const h = makeSwapHost(config, { active: false });
    await swapStep.apply(h.context());
    expect(argvOf(h.exec, 'swapoff')).toEqual([]);
    expect(await h.fs.readText('/etc/fstab')).toBe(disableFstabSwap(DEBIAN_FSTAB));
    expect(h.systemd.calls.map((c) => c.op)).toEqual(['mask', 'mask']);
  });

  it('does not back the fstab up a second time when a later run finds a new swap line', async () => {
    const h = makeSwapHost(config);
    await swapStep.apply(h.context());
    // the operator adds a swap file after the join; kjoin's next run disables it too
    h.fs.put('/etc/fstab', `${await h.fs.readText('/etc/fstab')}/swap2.img none swap sw 0 0\n`);
    await swapStep.apply(h.context());
    expect(h.fs.writes.filter((w) => w.path === '/var/lib/kjoin/backup/etc/fstab')).toHaveLength(1);
    expect(await h.fs.readText('/var/lib/kjoin/backup/etc/fstab')).toBe(DEBIAN_FSTAB);
    expect(await h.fs.readText('/etc/fstab')).toContain(`${FSTAB_MARKER}/swap2.img none swap sw 0 0`);
    expect(h.state.component('swap')!.backups).toHaveLength(1);
  });

  it('is done on a host without swap at all', async () => {
    const h = makeHarness({ config });
    h.fs.put('/etc/fstab', 'UUID=3f1c2d8e-5b7a-4c1e-9f0a-2b6d8e4c7a10 / ext4 errors=remount-ro 0 1\n');
    h.fs.put('/proc/swaps', PROC_SWAPS_HEADER);
    scriptSystemctl(h);
    expect(await swapStep.check(h.context())).toEqual({ status: 'done', reason: 'swap is off' });
    expect(await swapStep.plan(h.context())).toMatchObject({ files: [], commands: [] });
  });
});
