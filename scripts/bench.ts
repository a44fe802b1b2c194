// `npm run bench` (as root): figures for the install path on booted Debian 12 boxes. Prints, never asserts.
//  - the floor: the same apt transaction and the same downloads, run by hand in a fresh box;
//  - kjoin's fresh install in another fresh box: wall time, time per phase, overhead over the floor, peak RSS;
//  - a converged re-run: median wall time of five.
// The bar from the old multicloud-init.sh on the same kind of box: about 31 s, 23 s of it apt prerequisites.
import { cniPluginsArtifact, kubeletArtifacts, startMirror } from '../test/doubles/mirror/server.js';
import { bootBox, ensureRootfs, type Box } from '../test/e2e/box/index.js';
import { installKjoin, KJOIN_IN_BOX, parseEvents, prepareHostSysctls, summarisePhases } from '../test/e2e/kjoin-in-box.js';

const VERSION = '1.31.2';
const PACKAGES = ['conntrack', 'iptables', 'socat', 'ethtool', 'ebtables', 'kmod', 'procps', 'ca-certificates', 'wireguard-tools', 'containerd'];

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

if (process.getuid?.() !== 0) {
  console.error('bench: run it as root (boxes need systemd-nspawn)');
  process.exit(1);
}
await prepareHostSysctls();
const rootfs = await ensureRootfs({ suite: 'bookworm', arch: 'amd64' });
const mirror = await startMirror({ artifacts: [...kubeletArtifacts(VERSION, ['amd64']), ...cniPluginsArtifact('1.5.1', 'amd64')] });
const boxes: Box[] = [];
const ROUNDS = 3;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  const urls = [`${mirror.url}/dl.k8s.io/release/v${VERSION}/bin/linux/amd64/kubelet`, `${mirror.url}/github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-amd64-v1.5.1.tgz`];
  const fetchScript = `await Promise.all(process.argv.slice(1).map(async (u) => { const r = await fetch(u); await r.arrayBuffer(); }));`;
  const args = [KJOIN_IN_BOX, 'join', '--output', 'json', '--mirror', mirror.url, '--kubernetes-version', VERSION, '--skip-phases', 'network,register,start,verify'];
  const floors: number[] = [];
  const kjoins: number[] = [];
  let lastEvents: ReturnType<typeof parseEvents> = [];
  let converged: number[] = [];
  // Alternating rounds, each in fresh boxes, so mirror and disk noise hits both sides alike.
  for (let round = 0; round < ROUNDS; round++) {
    // The floor: what any installer has to wait for, done by hand.
    const floorBox = await bootBox({ rootfs, name: 'bench-floor' });
    boxes.push(floorBox);
    await installKjoin(floorBox); // for node, to fetch the artifacts as kjoin would
    const [apt, aptMs] = await timed(() =>
      floorBox.exec(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...PACKAGES], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 900_000 }),
    );
    if (apt.exitCode !== 0) throw new Error(`floor apt-get failed: ${apt.stderr}`);
    const [, downloadMs] = await timed(() => floorBox.exec(['/usr/local/bin/node', '--input-type=module', '-e', fetchScript, ...urls]));
    // Downloads overlap with apt, so the floor is apt plus whatever download time does not fit under it.
    floors.push(aptMs + Math.max(0, downloadMs - aptMs));
    await floorBox.stop();

    const box = await bootBox({ rootfs, name: 'bench-kjoin' });
    boxes.push(box);
    await installKjoin(box);
    const [fresh, freshMs] = await timed(() => box.exec(args, { timeoutMs: 900_000 }));
    if (fresh.exitCode !== 0) throw new Error(`kjoin join failed: ${fresh.stderr}`);
    kjoins.push(freshMs);
    lastEvents = parseEvents(fresh.stdout);
    if (round === ROUNDS - 1) {
      converged = [];
      for (let i = 0; i < 5; i++) converged.push((await timed(() => box.exec(args)))[1]);
    }
    await box.stop();
  }

  const events = lastEvents;
  const floorMs = median(floors);
  const freshMs = median(kjoins);
  const rows: Array<[string, string]> = [
    [`floor: apt-get install of the same packages + downloads, by hand (median of ${ROUNDS})`, seconds(floorMs)],
    [`kjoin join, fresh box to kubelet-ready (wall, incl. node start; median of ${ROUNDS})`, seconds(freshMs)],
    ...Object.entries(summarisePhases(events))
      .filter(([, ms]) => ms > 0)
      .map(([phase, ms]): [string, string] => [`  phase ${phase} (last round)`, seconds(ms)]),
    ...events
      .filter((e) => e.type === 'step-end' && (e.durationMs ?? 0) > 0)
      .map((e): [string, string] => [`    step ${e.step}`, seconds(e.durationMs!)]),
    ['  before the first step (node start, facts, config, preflight)', seconds(Date.parse(events.find((e) => e.type === 'step-start')!.ts) - Date.parse(events[0]!.ts))],
    ['kjoin overhead over the floor (target under 10 %)', `${seconds(freshMs - floorMs)} (${(((freshMs - floorMs) / floorMs) * 100).toFixed(1)} %)`],
    ['kjoin peak RSS (target 80 MiB at most)', `${((events.at(-1)!.data?.maxRssKiB as number) / 1024).toFixed(1)} MiB`],
    ['converged re-run, median of 5 (wall; target 1.5 s at most)', seconds(median(converged))],
    ['old multicloud-init.sh on the same kind of box (from the brief)', '~31 s'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nkjoin bench (Debian 12 box, local mirror, ${new Date().toISOString()})`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
} finally {
  await mirror.close();
  for (const box of boxes) await box.stop();
}
