import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../src/facts/types.js';
import { isKjoinError, type KjoinError } from '../../../src/errors.js';
import type { ClusterDiscovery } from '../../../src/providers/types.js';
import { WIREGUARD_INTERFACE, wireguardStep } from '../../../src/steps/wireguard.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../src/wireguard/keys.js';
import { parseIni, valuesOf } from '../render/parse-ini.js';
import { makeCluster, useCluster } from './cluster-fixtures.js';
import { argvOf, expectConverged, loadTestConfig, makeDebianFacts, makeHarness, type StepHarness } from './step-context.js';

const KEY = '/var/lib/kilo/key';
const CONF = '/etc/wireguard/kjoin0.conf';
const SETCONF = '/etc/wireguard/kjoin0.setconf';
const UNIT_NAME = 'kjoin-wireguard-kjoin0.service';
const UNIT = `/etc/systemd/system/${UNIT_NAME}`;
const PEER_KEY = publicKeyFromPrivate(generatePrivateKey());
const TUNNEL: NonNullable<ClusterDiscovery['wireguard']> = {
  address: '10.4.0.7/16',
  listenPort: 51820,
  peers: [{ publicKey: PEER_KEY, allowedIPs: ['10.4.0.1/32', '172.16.0.0/24'], endpoint: '198.51.100.10:51820' }],
};

interface Host extends StepHarness {
  /** Whether the fake kernel has the kjoin0 link. */
  link: { up: boolean };
}

/**
 * A host with iproute2 and wireguard-tools: `ip link show dev kjoin0` fails until `ip link add` (or
 * wireguard-go) created the link; `wg show kjoin0 latest-handshakes` reports no handshake on its first poll,
 * then one with the peer.
 */
async function makeHost(options: { tunnel?: boolean; facts?: Facts; wireguardGo?: boolean } = {}): Promise<Host> {
  const h = makeHarness({ config: await loadTestConfig(), facts: options.facts ?? makeDebianFacts() }) as Host;
  useCluster(h, makeCluster(options.tunnel === false ? {} : { wireguard: TUNNEL }));
  const link = { up: false };
  h.link = link;
  h.exec.on(
    'ip',
    (args) => {
      if (args[0] === 'link' && args[1] === 'show') {
        return link.up
          ? { stdout: '7: kjoin0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n    link/none' }
          : { exitCode: 1, stderr: 'Device "kjoin0" does not exist.' };
      }
      if (args[0] === 'link' && args[1] === 'add') link.up = true;
      return {};
    },
    '/usr/sbin/ip',
  );
  let polls = 0;
  h.exec.on(
    'wg',
    (args) => {
      if (args[0] !== 'show') return {};
      polls += 1;
      const seconds = polls === 1 ? 0 : Math.floor(h.clock.now().getTime() / 1000);
      return { stdout: `${PEER_KEY}\t${seconds}` };
    },
    '/usr/bin/wg',
  );
  if (options.wireguardGo) {
    h.exec.on(
      'wireguard-go',
      () => {
        link.up = true;
        return { stderr: 'INFO: (kjoin0) 2026/11/22 10:00:00 Starting wireguard-go version 0.0.20230223' };
      },
      '/usr/bin/wireguard-go',
    );
  }
  return h;
}

async function privateKeyOf(h: StepHarness): Promise<string> {
  return (await h.fs.readText(KEY)).trim();
}

/** Everything that leaves the step as text other than the 0600 files: argv, stdin, progress, logs, events. */
function visibleText(h: StepHarness): string {
  return JSON.stringify([h.exec.calls.map((c) => [c.command, c.args, c.options.input ?? '']), h.progress, h.logs, h.events]);
}

describe('wireguard step without a tunnel', () => {
  it('creates the key 0600 and runs no ip or wg command at all', async () => {
    const h = await makeHost({ tunnel: false });
    expect(await wireguardStep.check(h.context())).toEqual({ status: 'needed', reason: `no WireGuard key at ${KEY}` });
    expect((await wireguardStep.plan(h.context())).notes).toContain('no tunnel: the control plane is reachable without one');

    const summary = await h.run([wireguardStep]);

    const privateKey = await privateKeyOf(h);
    expect((await h.fs.stat(KEY))?.mode).toBe(0o600);
    expect(await h.fs.readText(KEY)).toBe(`${privateKey}\n`);
    expect(summary.outcomes[0]).toMatchObject({ status: 'ok', message: `WireGuard key created (public key ${publicKeyFromPrivate(privateKey)}); no tunnel needed` });
    expect(h.exec.calls).toEqual([]);
    expect(h.systemd.calls).toEqual([]);
    expect(h.fs.writes.map((w) => w.path).filter((p) => p !== '/var/lib/kjoin/state.json')).toEqual([KEY]);
    expect(h.state.component('wireguard')?.files).toEqual([{ path: KEY, sha256: 'secret', mode: 0o600 }]);
    expect(visibleText(h)).not.toContain(privateKey);
    expect(JSON.stringify(h.state.snapshot)).not.toContain(privateKey);
    await expectConverged(h, wireguardStep);
  });

  it('never overwrites an existing key on a re-run', async () => {
    const h = await makeHost({ tunnel: false });
    const existing = generatePrivateKey();
    h.fs.put(KEY, `${existing}\n`, 0o600);

    await wireguardStep.apply(h.context());
    const again = await wireguardStep.apply(h.context());

    expect(await privateKeyOf(h)).toBe(existing);
    expect(h.fs.writes).toEqual([]);
    expect(again).toEqual({ message: `WireGuard key kept (public key ${publicKeyFromPrivate(existing)}); no tunnel needed` });
  });

  it('tightens a key readable by others to 0600 without naming the key', async () => {
    const h = await makeHost({ tunnel: false });
    const existing = generatePrivateKey();
    h.fs.put(KEY, `${existing}\n`, 0o644);
    await wireguardStep.apply(h.context());
    expect(await privateKeyOf(h)).toBe(existing);
    expect((await h.fs.stat(KEY))?.mode).toBe(0o600);
    expect(h.logs).toEqual([`${KEY} had mode 0644; rewritten 0600`]);
  });
});

describe('wireguard step with a tunnel', () => {
  it('writes kjoin0.conf 0600 and its unit, brings the link up, enables the unit and waits for a handshake', async () => {
    const h = await makeHost();
    const summary = await h.run([wireguardStep]);
    expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([['wireguard', 'ok']]);
    const privateKey = await privateKeyOf(h);

    expect((await h.fs.stat(CONF))?.mode).toBe(0o600);
    const conf = parseIni(await h.fs.readText(CONF));
    expect(valuesOf(conf, 'Interface', 'PrivateKey')).toEqual([privateKey]);
    expect(valuesOf(conf, 'Interface', 'Address')).toEqual(['10.4.0.7/16']);
    expect(valuesOf(conf, 'Interface', 'ListenPort')).toEqual(['51820']);
    expect(valuesOf(conf, 'Peer', 'PublicKey')).toEqual([PEER_KEY]);
    expect(valuesOf(conf, 'Peer', 'Endpoint')).toEqual(['198.51.100.10:51820']);
    // The node has only a private address: it keeps its NAT mapping open.
    expect(valuesOf(conf, 'Peer', 'PersistentKeepalive')).toEqual(['25']);
    expect((await h.fs.stat(SETCONF))?.mode).toBe(0o600);

    expect((await h.fs.stat(UNIT))?.mode).toBe(0o644);
    const unitText = await h.fs.readText(UNIT);
    const unit = parseIni(unitText);
    expect(valuesOf(unit, 'Service', 'ExecStart')).toEqual(
      expect.arrayContaining(['/usr/sbin/ip link add dev kjoin0 type wireguard', `/usr/bin/wg setconf kjoin0 ${SETCONF}`, '/usr/sbin/ip address replace 10.4.0.7/16 dev kjoin0']),
    );
    expect(valuesOf(unit, 'Unit', 'Before')).toEqual(['kubelet.service']);
    expect(unitText).not.toContain(privateKey);

    expect(h.systemd.calls).toEqual([{ op: 'daemon-reload' }, { op: 'enable', unit: UNIT_NAME }]);
    const commands = h.exec.calls.map((c) => [c.command, ...c.args].join(' '));
    // check() stopped at the missing key; apply found the link down, created it, configured it, then polled.
    expect(commands.slice(0, 3)).toEqual(['ip link show dev kjoin0', 'ip link add dev kjoin0 type wireguard', `wg setconf kjoin0 ${SETCONF}`]);
    expect(commands).toContain('ip address replace 10.4.0.7/16 dev kjoin0');
    expect(commands).toContain('ip link set dev kjoin0 up');
    expect(commands.slice(-2)).toEqual(['wg show kjoin0 latest-handshakes', 'wg show kjoin0 latest-handshakes']);
    const progress = h.events.filter((e) => e.type === 'step-progress').map((e) => e.message);
    expect(progress).toContain(`wg setconf kjoin0 ${SETCONF}`);
    expect(progress).toContain('waiting for a WireGuard handshake with 1 peer (0/120 s)');
    expect(summary.outcomes[0]!.message).toBe(`${WIREGUARD_INTERFACE} up, handshake done (public key ${publicKeyFromPrivate(privateKey)})`);

    expect(h.state.component('wireguard')).toMatchObject({ units: [UNIT_NAME] });
    expect(h.state.component('wireguard')!.files.filter((f) => f.path === KEY || f.path === CONF)).toEqual([
      { path: KEY, sha256: 'secret', mode: 0o600 },
      { path: CONF, sha256: 'secret', mode: 0o600 },
    ]);
  });

  it('never lets the private key into argv, stdin, progress, logs, events or state.json', async () => {
    const h = await makeHost();
    await h.run([wireguardStep]);
    const privateKey = await privateKeyOf(h);
    expect(h.exec.calls.length).toBeGreaterThan(5);
    expect(h.events.filter((e) => e.type === 'step-progress').length).toBeGreaterThan(3);
    expect(visibleText(h)).not.toContain(privateKey);
    expect(JSON.stringify(h.state.snapshot)).not.toContain(privateKey);
    expect(await h.fs.readText('/var/lib/kjoin/state.json')).not.toContain(privateKey);
    const plan = await wireguardStep.plan(h.context());
    expect(plan.files.find((f) => f.path === CONF)?.secret).toBe(true);
  });

  // Regression: the key used to count as a stale file on the second run and was deleted (a silent rotation).
  it('keeps the key and changes nothing on a re-run', async () => {
    const h = await makeHost();
    await h.run([wireguardStep]);
    const keyFile = await h.fs.readText(KEY);
    await h.run([wireguardStep]);
    expect(await h.fs.readTextOrNull(KEY)).toBe(keyFile);
    expect(await wireguardStep.check(h.context())).toEqual({ status: 'done', reason: 'kjoin0 up' });
    await expectConverged(h, wireguardStep);
    expect(await h.fs.readTextOrNull(KEY)).toBe(keyFile);
  });

  it('brings a link that went away back up', async () => {
    const h = await makeHost();
    await h.run([wireguardStep]);
    h.link.up = false;
    expect(await wireguardStep.check(h.context())).toEqual({ status: 'needed', reason: 'kjoin0 is down' });
    await h.run([wireguardStep]);
    expect(h.link.up).toBe(true);
    expect(argvOf(h.exec, 'ip').filter((args) => args[1] === 'add')).toHaveLength(2);
  });

  it('uses wireguard-go, by its absolute path in the unit, when the kernel has no WireGuard module', async () => {
    const h = await makeHost({ wireguardGo: true, facts: makeDebianFacts({ wireguard: { kernel: false, userspace: true } }) });
    await wireguardStep.apply(h.context());
    expect(argvOf(h.exec, 'wireguard-go')).toEqual([['kjoin0']]);
    expect(argvOf(h.exec, 'ip').some((args) => args[1] === 'add')).toBe(false);
    expect(valuesOf(parseIni(await h.fs.readText(UNIT)), 'Service', 'ExecStart')[0]).toBe('/usr/bin/wireguard-go kjoin0');
  });

  it('fails naming the package when wireguard-go is needed but not installed', async () => {
    const h = await makeHost({ facts: makeDebianFacts({ wireguard: { kernel: false, userspace: true } }) });
    const error = await wireguardStep.apply(h.context()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isKjoinError(error)).toBe(true);
    expect((error as KjoinError).message).toBe('wireguard-go is not installed');
    expect((error as KjoinError).hint).toBe('install wireguard-go');
    expect(h.systemd.calls).toEqual([]);
  });

  // Regression: wg(8)'s copy of the config (it holds the private key) used to be missing from state.json.
  it('records in state.json every file it writes, the setconf copy of the private key included', async () => {
    const h = await makeHost();
    await h.run([wireguardStep]);
    const written = new Set(h.fs.writes.map((w) => w.path).filter((p) => p !== '/var/lib/kjoin/state.json'));
    const recorded = new Set(h.state.component('wireguard')!.files.map((f) => f.path));
    expect([...written].filter((p) => !recorded.has(p))).toEqual([]);
  });
});
