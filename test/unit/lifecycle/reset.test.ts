import { describe, expect, it } from 'vitest';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import type { FakeSystemd } from '../../../src/platform/fake-systemd.js';
import { createSystemctlError } from '../../../src/platform/systemd.js';
import { resetHost, type ResetResult } from '../../../src/lifecycle/reset.js';
import type { EventInput } from '../../../src/progress/events.js';
import { FSTAB_MARKER } from '../../../src/steps/swap.js';
import { KUBELET_CLIENT_PEM } from '../steps/cluster-fixtures.js';
import {
  CONTAINERD_ORIGINAL,
  CONTAINERD_ORIGINAL_MODE,
  DEBIAN_FSTAB,
  NODE_MOUNTINFO,
  PROC_SWAPS_ACTIVE,
  SWAP_UNITS,
  loadJoinState,
  makeJoinedHost,
  type JoinedHost,
} from './joined-host.js';

const STATE = '/var/lib/kjoin/state.json';
/** Every file the join recorded that reset must remove (the key and the replaced originals aside). */
const REMOVED = [
  '/etc/crictl.yaml',
  '/etc/kubernetes/pki/ca.crt',
  '/etc/modules-load.d/kjoin.conf',
  '/etc/sysctl.d/99-kubernetes-kjoin.conf',
  '/etc/systemd/system/kubelet.service',
  '/etc/systemd/system/kubelet.service.d/10-kjoin.conf',
  '/usr/local/bin/kubelet',
  '/var/lib/kjoin/backup/etc/containerd/config.toml',
  '/var/lib/kjoin/backup/etc/fstab',
  '/var/lib/kjoin/state.json',
  '/var/lib/kubelet/config.yaml',
];
const RESTORED = ['/etc/containerd/config.toml', '/etc/fstab'];

async function reset(h: JoinedHost, options: { dryRun?: boolean; removeWireguardKey?: boolean } = {}): Promise<{ result: ResetResult; events: EventInput[] }> {
  const events: EventInput[] = [];
  const result = await resetHost(h.ports, { dryRun: options.dryRun ?? false, removeWireguardKey: options.removeWireguardKey ?? false, reporter: { emit: (e) => events.push(e) } });
  return { result, events };
}

async function failureOf(promise: Promise<unknown>): Promise<KjoinError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!isKjoinError(error)) throw new Error(`expected a KjoinError, got ${String(error)}`);
  return error;
}

/** Files whose content or mode differ from right after the join, and files that are gone. */
function diffSinceJoin(h: JoinedHost): { changed: string[]; gone: string[]; added: string[] } {
  const changed: string[] = [];
  const gone: string[] = [];
  for (const [file, before] of h.afterJoin) {
    const now = h.fs.files.get(file);
    if (!now) gone.push(file);
    else if (!now.content.equals(before.content) || now.mode !== before.mode) changed.push(file);
  }
  const added = [...h.fs.files.keys()].filter((file) => !h.afterJoin.has(file));
  return { changed: changed.sort(), gone: gone.sort(), added };
}

describe('kjoin reset on a joined host', () => {
  it('removes exactly the recorded files and restores the originals with their modes', async () => {
    const h = await makeJoinedHost();
    const { result } = await reset(h);

    expect(result.outcome).toBe('reset');
    const diff = diffSinceJoin(h);
    expect(diff.gone).toEqual(REMOVED);
    // swapon -a turned swap back on: the fake kernel lists the devices again.
    expect(diff.changed).toEqual([...RESTORED, '/proc/swaps']);
    expect(diff.added).toEqual([]);
    expect(await h.fs.readText('/etc/containerd/config.toml')).toBe(CONTAINERD_ORIGINAL);
    expect((await h.fs.stat('/etc/containerd/config.toml'))!.mode).toBe(CONTAINERD_ORIGINAL_MODE);
    expect(await h.fs.readText('/etc/fstab')).toBe(DEBIAN_FSTAB);
    expect((await h.fs.stat('/etc/fstab'))!.mode).toBe(0o644);
    // Never recorded, so never touched: the kubelet's own credential, the pod's data, the WireGuard key.
    for (const kept of ['/etc/kubernetes/kubelet.conf', KUBELET_CLIENT_PEM, '/var/lib/kilo/key', '/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache/data.db']) {
      expect(h.fs.files.get(kept)?.content).toEqual(h.afterJoin.get(kept)!.content);
    }
    expect(result.kept).toEqual(['keep /var/lib/kilo/key: the WireGuard key is kept for a later join and for Kilo (pass --remove-wireguard-key to delete it)']);
  });

  it('stops kubelet first and containerd last, unmasks swap, reloads systemd once, then swapon -a; no package is removed', async () => {
    const h = await makeJoinedHost();
    const calls = h.systemd.calls.length;
    const execCalls = h.exec.calls.length;
    await reset(h);

    expect(h.systemd.calls.slice(calls)).toEqual([
      { op: 'stop', unit: 'kubelet.service' },
      { op: 'disable', unit: 'kubelet.service' },
      { op: 'stop', unit: 'containerd.service' },
      { op: 'disable', unit: 'containerd.service' },
      ...SWAP_UNITS.map((unit) => ({ op: 'unmask', unit })),
      { op: 'daemon-reload' },
    ]);
    expect(h.exec.calls.slice(execCalls).map((c) => [c.command, ...c.args])).toEqual([['swapon', '-a']]);
    expect(await h.fs.readText('/proc/swaps')).toBe(PROC_SWAPS_ACTIVE);
    expect(h.systemd.unit('kubelet')).toMatchObject({ active: false, enabled: 'disabled' });
  });

  it('reports progress as reset-phase step events', async () => {
    const h = await makeJoinedHost();
    const { events } = await reset(h);
    const ends = events.filter((e) => e.type === 'step-end');
    expect(ends.map((e) => [e.step, e.status])).toEqual([
      ['reset-units', 'ok'],
      ['reset-files', 'ok'],
      ['reset-swap', 'ok'],
      ['reset-state', 'ok'],
    ]);
    expect(events.filter((e) => e.step).every((e) => e.phase === 'reset')).toBe(true);
    expect(events.filter((e) => e.type === 'step-progress').map((e) => e.message)).toContain('restoring /etc/containerd/config.toml (mode 0640)');
    expect(events.some((e) => e.type === 'log' && e.message === 'left /etc/kubernetes/kubelet.conf: not recorded by kjoin')).toBe(true);
  });

  it('--dry-run lists what it would stop, remove, restore and keep, and changes nothing', async () => {
    const h = await makeJoinedHost();
    const writes = h.fs.writes.length;
    const calls = h.systemd.calls.length;
    const execCalls = h.exec.calls.length;
    const { result, events } = await reset(h, { dryRun: true });

    expect(result.outcome).toBe('planned');
    expect(h.fs.writes.length).toBe(writes);
    expect(diffSinceJoin(h)).toEqual({ changed: [], gone: [], added: [] });
    expect(h.systemd.calls.length).toBe(calls);
    expect(h.exec.calls.length).toBe(execCalls);
    const plan = Object.fromEntries(events.filter((e) => e.type === 'plan').map((e) => [e.step, e.data!['actions']]));
    expect(plan['reset-units']).toEqual(['stop and disable kubelet.service', 'stop and disable containerd.service']);
    expect(plan['reset-files']).toEqual([
      'remove /etc/modules-load.d/kjoin.conf',
      'remove /etc/sysctl.d/99-kubernetes-kjoin.conf',
      'remove /etc/crictl.yaml',
      'remove /usr/local/bin/kubelet',
      'remove /etc/systemd/system/kubelet.service',
      'remove /etc/systemd/system/kubelet.service.d/10-kjoin.conf',
      'remove /var/lib/kubelet/config.yaml',
      'remove /etc/kubernetes/pki/ca.crt',
      'restore /etc/containerd/config.toml from /var/lib/kjoin/backup/etc/containerd/config.toml (mode 0640)',
      'uncomment the swap lines kjoin turned off in /etc/fstab',
      'remove the backup /var/lib/kjoin/backup/etc/fstab',
      'remove the backup /var/lib/kjoin/backup/etc/containerd/config.toml',
      'keep /var/lib/kilo/key: the WireGuard key is kept for a later join and for Kilo (pass --remove-wireguard-key to delete it)',
      'leave /etc/kubernetes/kubelet.conf: not recorded by kjoin (remove it by hand if the node will not join again)',
      'leave /var/lib/kubelet/pki: not recorded by kjoin (remove it by hand if the node will not join again)',
    ]);
    expect(plan['reset-swap']).toEqual([...SWAP_UNITS.map((u) => `unmask ${u}`), 'systemctl daemon-reload', 'swapon -a']);
    expect(plan['reset-state']).toEqual([`remove ${STATE}`, 'remove the download cache /var/lib/kjoin/cache']);
  });

  it('says "nothing to reset" on a host it already reset, and changes nothing', async () => {
    const h = await makeJoinedHost();
    await reset(h);
    const writes = h.fs.writes.length;
    const files = new Map(h.fs.files);
    const calls = h.systemd.calls.length;
    const execCalls = h.exec.calls.length;

    const { result, events } = await reset(h);

    expect(result.outcome).toBe('nothing-to-reset');
    expect(events).toEqual([{ type: 'log', phase: 'reset', status: 'info', message: `nothing to reset: no ${STATE} on this host` }]);
    expect(h.fs.writes.length).toBe(writes);
    expect(h.fs.files).toEqual(files);
    expect(h.systemd.calls.length).toBe(calls);
    expect(h.exec.calls.length).toBe(execCalls);
  });

  it('removes a state.json that records nothing and calls it nothing to reset', async () => {
    const h = await makeJoinedHost();
    await h.fs.writeAtomic(STATE, '{"version":1,"components":{}}\n', 0o600);
    const calls = h.systemd.calls.length;
    const { result } = await reset(h);
    expect(result.outcome).toBe('nothing-to-reset');
    expect(await h.fs.exists(STATE)).toBe(false);
    expect(await h.fs.exists('/usr/local/bin/kubelet')).toBe(true);
    expect(h.systemd.calls.length).toBe(calls);
  });

  it('--remove-wireguard-key removes the key as well', async () => {
    const h = await makeJoinedHost();
    const { result } = await reset(h, { removeWireguardKey: true });
    expect(await h.fs.exists('/var/lib/kilo/key')).toBe(false);
    expect(result.kept).toEqual([]);
  });
});

describe('kjoin reset and mount points', () => {
  it('keeps a recorded path under a mount point, says why, and keeps it in state.json to retry', async () => {
    const h = await makeJoinedHost();
    // A data disk mounted on /var/lib/kubelet after the join.
    h.fs.put('/proc/self/mountinfo', `${NODE_MOUNTINFO}64 27 8:16 / /var/lib/kubelet rw,relatime shared:33 - xfs /dev/sdb rw,attr2,inode64,noquota\n`);
    const { result, events } = await reset(h);

    expect(await h.fs.readText('/var/lib/kubelet/config.yaml')).toBe(h.afterJoin.get('/var/lib/kubelet/config.yaml')!.content.toString());
    expect(result.kept).toContain('keep /var/lib/kubelet/config.yaml: it is under the mount point /var/lib/kubelet');
    expect(events).toContainEqual({ type: 'log', step: 'reset-files', phase: 'reset', status: 'warn', message: 'keep /var/lib/kubelet/config.yaml: it is under the mount point /var/lib/kubelet' });
    expect(await h.fs.exists('/usr/local/bin/kubelet')).toBe(false);
    const left = await loadJoinState(h);
    expect(Object.keys(left.components)).toEqual(['kubelet']);
    expect(left.components['kubelet']!.files.map((f) => f.path)).toEqual(['/var/lib/kubelet/config.yaml']);
    expect(left.components['kubelet']!.units).toEqual([]);

    // Once the disk is gone, the next reset finishes the job and forgets the host.
    h.fs.put('/proc/self/mountinfo', NODE_MOUNTINFO);
    await reset(h);
    expect(await h.fs.exists('/var/lib/kubelet/config.yaml')).toBe(false);
    expect(await h.fs.exists(STATE)).toBe(false);
  });

  it('never removes a recorded path that is itself a mount point or a directory, nor a path that escapes with ..', async () => {
    const h = await makeJoinedHost();
    const state = await loadJoinState(h);
    const cache = '/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache';
    state.components['crictl']!.files.push(
      { path: `${cache}/data.db`, sha256: 'x', mode: 0o644 },
      { path: '/etc/kubernetes/../passwd', sha256: 'x', mode: 0o644 },
      { path: '/etc/kubernetes/pki', sha256: 'x', mode: 0o755 },
    );
    h.fs.put('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
    await h.fs.writeAtomic(STATE, JSON.stringify(state), 0o600);

    const { result } = await reset(h);

    expect(await h.fs.readText(`${cache}/data.db`)).toBe('pod data\n');
    expect(await h.fs.exists('/etc/passwd')).toBe(true);
    expect(result.kept).toEqual(
      expect.arrayContaining([
        `keep ${cache}/data.db: it is under the mount point ${cache}`,
        'keep /etc/kubernetes/../passwd: not a plain absolute path',
        'keep /etc/kubernetes/pki: it is a directory now, and reset removes files only',
      ]),
    );
  });

  it('refuses to start without /proc/self/mountinfo, before changing anything', async () => {
    const h = await makeJoinedHost();
    await h.fs.remove('/proc/self/mountinfo');
    const calls = h.systemd.calls.length;
    const error = await failureOf(reset(h));
    expect(error.message).toContain('/proc/self/mountinfo');
    expect(h.systemd.calls.length).toBe(calls);
    expect(await h.fs.exists(STATE)).toBe(true);
  });
});

describe('kjoin reset when something fails', () => {
  it('goes on, fails with the list, and keeps what is left in state.json for the next reset', async () => {
    const h = await makeJoinedHost();
    const real = h.systemd;
    // The same fake, except that stopping the kubelet fails once, as a canceled job does.
    let failStop = true;
    h.ports.systemd = Object.assign(Object.create(real) as FakeSystemd, {
      stop: async (unit: string) => {
        if (unit === 'kubelet.service' && failStop) throw createSystemctlError(['stop', unit], unit, 'Job for kubelet.service canceled.');
        return real.stop(unit);
      },
    });
    const error = await failureOf(reset(h));

    expect(error.exitCode).toBe(1);
    expect(error.details).toEqual(['stopping kubelet.service failed: systemctl stop kubelet failed: Job for kubelet.service canceled.']);
    expect(await h.fs.exists('/usr/local/bin/kubelet')).toBe(false);
    expect(real.unit('containerd')!.active).toBe(false);
    const left = await loadJoinState(h);
    expect(Object.fromEntries(Object.entries(left.components).map(([id, c]) => [id, c.units]))).toEqual({ kubelet: ['kubelet.service'], 'start-kubelet': ['kubelet.service'] });
    expect(left.components['kubelet']!.files).toEqual([]);

    failStop = false;
    const calls = real.calls.length;
    await reset(h);
    // Disabling worked the first time; only the stop is left to do.
    expect(real.calls.slice(calls)).toEqual([{ op: 'stop', unit: 'kubelet.service' }, { op: 'daemon-reload' }]);
    expect(await h.fs.exists(STATE)).toBe(false);
  });
});

describe('kjoin reset with a WireGuard tunnel', () => {
  it('stops the tunnel unit between kubelet and containerd, deletes the link, removes its files (the private-key copy too), keeps the key', async () => {
    const h = await makeJoinedHost();
    const unit = 'kjoin-wireguard-kjoin0.service';
    const conf = '/etc/wireguard/kjoin0.conf';
    const unitFile = `/etc/systemd/system/${unit}`;
    const setconf = '/etc/wireguard/kjoin0.setconf';
    // What the wireguard step records with a tunnel: the key and wg(8)'s copy by path only, the config and the unit.
    const state = await loadJoinState(h);
    state.components['wireguard']!.files.push(
      { path: setconf, sha256: 'secret', mode: 0o600 },
      { path: conf, sha256: 'secret', mode: 0o600 },
      { path: unitFile, sha256: 'a'.repeat(64), mode: 0o644 },
    );
    state.components['wireguard']!.units = [unit];
    await h.fs.writeAtomic(STATE, JSON.stringify(state), 0o600);
    h.fs.put(conf, '[Interface]\nAddress = 10.4.0.7/32\n', 0o600);
    h.fs.put(setconf, '[Interface]\n', 0o600);
    h.fs.put(unitFile, '[Unit]\nDescription=WireGuard interface kjoin0 (kjoin, kernel module)\n');
    h.systemd.setUnit(unit, { active: true, enabled: 'enabled' });
    let linkUp = true;
    h.exec.on('ip', (args) => {
      if (args[0] === 'link' && args[1] === 'show') return linkUp ? { stdout: '5: kjoin0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN' } : { exitCode: 1, stderr: 'Device "kjoin0" does not exist.' };
      if (args[0] === 'link' && args[1] === 'delete') linkUp = false;
      return {};
    });
    const calls = h.systemd.calls.length;

    await reset(h);

    expect(h.systemd.calls.slice(calls).filter((c) => c.op === 'stop').map((c) => c.unit)).toEqual(['kubelet.service', unit, 'containerd.service']);
    expect(h.exec.calls.filter((c) => c.command === 'ip').map((c) => c.args.join(' '))).toEqual(['link show dev kjoin0', 'link show dev kjoin0', 'link delete dev kjoin0']);
    expect(await h.fs.exists(conf)).toBe(false);
    expect(await h.fs.exists(unitFile)).toBe(false);
    expect(await h.fs.exists(setconf)).toBe(false);
    expect(await h.fs.exists('/var/lib/kilo/key')).toBe(true);
  });
});

describe('fstab restore', () => {
  it('uncomments only the marker lines and keeps edits the operator made since the join', async () => {
    const h = await makeJoinedHost();
    const joined = await h.fs.readText('/etc/fstab');
    expect(joined).toContain(FSTAB_MARKER);
    await h.fs.writeAtomic('/etc/fstab', `${joined}/dev/vdd1 /data ext4 defaults 0 2\n`, 0o644);
    await reset(h);
    expect(await h.fs.readText('/etc/fstab')).toBe(`${DEBIAN_FSTAB}/dev/vdd1 /data ext4 defaults 0 2\n`);
  });
});
