// `npm run bench` (as root): figures for the install path on booted Debian 12 boxes. Prints, never asserts.
// apt fetches from a local repository on the host (bench-apt-repo.ts), the artifacts from the local mirror double.
//  - kjoin's fresh install in a fresh box: wall time, time per phase, the time it waited on apt-get in that same
//    run (the floor) and its overhead over it, peak RSS;
//  - the same apt transaction and the same downloads, run by hand in another fresh box, as a cross-check;
//  - a converged re-run: median wall time of five.
// The bar from the old multicloud-init.sh on the same kind of box: about 31 s, 23 s of it apt prerequisites.
import { NodeFileSystem } from '../src/io/fs.js';
import { APT_INSTALL_FLAGS } from '../src/platform/apt.js';
import { measureAptListsAge } from '../src/platform/apt-lists.js';
import { DPKG_QUERY_FORMAT, parseDpkgQuery } from '../src/platform/apt-output.js';
import { APT_ENV } from '../src/platform/apt-run.js';
import { MAX_LIST_AGE_MS } from '../src/platform/ensure-packages.js';
import { cniPluginsArtifact, kubeletArtifacts, startMirror } from '../test/doubles/mirror/server.js';
import { ensureBenchAptRepo, useBenchAptRepo } from './bench-apt-repo.js';
import { bootBox, ensureRootfs, type Box } from '../test/e2e/box/index.js';
import { installKjoin, KJOIN_IN_BOX, parseEvents, prepareHostSysctls, summarisePhases } from '../test/e2e/kjoin-in-box.js';

const VERSION = '1.31.2';
const PACKAGES = ['conntrack', 'iptables', 'socat', 'ethtool', 'ebtables', 'kmod', 'procps', 'ca-certificates', 'wireguard-tools', 'containerd'];

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
}

/**
 * Times every apt-get kjoin runs, from inside the box: a wrapper ahead of /usr/bin/apt-get on PATH logs start and
 * end (ns) of each call. What kjoin spends waiting on apt in the same run is the floor, free of the
 * run-to-run noise of apt and dpkg that a floor measured in another box carries.
 */
const APT_LOG = '/run/kjoin-bench-apt.log';
const APT_WRAPPER = `#!/bin/sh\nstart=$(date +%s%N)\n/usr/bin/apt-get "$@"\nrc=$?\necho "$start $(date +%s%N) $*" >> ${APT_LOG}\nexit $rc\n`;

async function installAptTimer(box: Box): Promise<void> {
  const result = await box.exec(['sh', '-c', `printf '%b' '${APT_WRAPPER}' > /usr/local/sbin/apt-get && chmod 0755 /usr/local/sbin/apt-get`]);
  if (result.exitCode !== 0) throw new Error(`installing the apt-get timer failed: ${result.stderr}`);
}

interface AptCall {
  /** Epoch milliseconds; the box shares the host's clock. */
  startMs: number;
  endMs: number;
  install: boolean;
}

/** kjoin's apt-get update and install calls (its apt-get --version query is kjoin's own time). */
async function readAptCalls(box: Box): Promise<AptCall[]> {
  const lines = (await box.readFile(APT_LOG)).trim().split('\n');
  return lines
    .map((line) => line.split(' '))
    .filter((fields) => !fields.includes('--version'))
    .map(([start, end, ...args]) => ({ startMs: Number(start) / 1e6, endMs: Number(end) / 1e6, install: args.includes('install') }));
}

const sumMs = (calls: readonly AptCall[]): number => calls.reduce((sum, call) => sum + call.endMs - call.startMs, 0);

/** The bench's packages that dpkg does not report as installed in `box`. */
async function listMissingPackages(box: Box): Promise<string[]> {
  const query = await box.exec(['dpkg-query', '-W', `-f=${DPKG_QUERY_FORMAT}`, ...PACKAGES]);
  const versions = parseDpkgQuery(query.stdout);
  return PACKAGES.filter((name) => !versions.get(name));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** The step ended before the packages step did: it ran beside the package install (Step.alongside). */
function endedBeforePackages(events: ReturnType<typeof parseEvents>, end: ReturnType<typeof parseEvents>[number]): boolean {
  const packagesEnd = events.findIndex((e) => e.type === 'step-end' && e.step === 'packages');
  return events.indexOf(end) < packagesEnd;
}

/**
 * Where the last round's overhead went: kjoin's own time before apt-get install began (start-up, facts, preflight,
 * package queries; apt-get update excluded), and after it ended (the steps that need the packages, then exit).
 */
function overheadBreakdown(run: { startMs: number; endMs: number; apt: readonly AptCall[] }, events: ReturnType<typeof parseEvents>): Array<[string, string]> {
  const install = run.apt.find((call) => call.install);
  if (!install) return [];
  const updates = sumMs(run.apt.filter((call) => !call.install && call.endMs <= install.startMs));
  const firstEvent = Date.parse(events[0]!.ts);
  return [
    ['  where the overhead went (last round): exec to the first event (Node start, loading kjoin)', seconds(firstEvent - run.startMs)],
    ['    first event to apt-get install (facts, preflight, package queries; apt-get update excluded)', seconds(install.startMs - firstEvent - updates)],
    ['    apt-get install ended to exit (kernel, swap, containerd: the steps that need the packages)', seconds(run.endMs - install.endMs)],
  ];
}

if (process.getuid?.() !== 0) {
  console.error('bench: run it as root (boxes need systemd-nspawn)');
  process.exit(1);
}
await prepareHostSysctls();
const rootfs = await ensureRootfs({ suite: 'bookworm', arch: 'amd64' });
const mirror = await startMirror({ artifacts: [...kubeletArtifacts(VERSION, ['amd64']), ...cniPluginsArtifact('1.5.1', 'amd64')] });
// The local mirror of the brief's bar: apt fetches from the host, not from deb.debian.org, whose speed varies by
// seconds between rounds and would drown kjoin's own overhead.
const aptMirror = await startMirror({ artifacts: [], root: await ensureBenchAptRepo(rootfs, PACKAGES) });
const boxes: Box[] = [];
// A fair floor does the apt work kjoin's rule says is due: lists as old as the cached rootfs' get refreshed first
// (as every installer must; the old script ran apt-get update three times).
const listsAgeMs = await measureAptListsAge(new NodeFileSystem(rootfs), Date.now());
const floorUpdates = listsAgeMs === null || listsAgeMs > MAX_LIST_AGE_MS;
const ROUNDS = 5;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  const urls = [`${mirror.url}/dl.k8s.io/release/v${VERSION}/bin/linux/amd64/kubelet`, `${mirror.url}/github.com/containernetworking/plugins/releases/download/v1.5.1/cni-plugins-linux-amd64-v1.5.1.tgz`];
  const fetchScript = `await Promise.all(process.argv.slice(1).map(async (u) => { const r = await fetch(u); await r.arrayBuffer(); }));`;
  const args = [KJOIN_IN_BOX, 'join', '--output', 'json', '--mirror', mirror.url, '--kubernetes-version', VERSION, '--skip-phases', 'network,register,start,verify'];
  const floors: number[] = [];
  const kjoins: number[] = [];
  const aptInRun: number[] = [];
  let lastEvents: ReturnType<typeof parseEvents> = [];
  // The last round's exec start and end and its apt calls, to say where the overhead goes.
  let lastRun = { startMs: 0, endMs: 0, apt: [] as AptCall[] };
  let converged: number[] = [];
  // Alternating rounds, each in fresh boxes, so mirror and disk noise hits both sides alike.
  for (let round = 0; round < ROUNDS; round++) {
    // The floor: what any installer has to wait for, done by hand.
    const floorBox = await bootBox({ rootfs, name: 'bench-floor' });
    boxes.push(floorBox);
    await installKjoin(floorBox); // for node, to fetch the artifacts as kjoin would
    await useBenchAptRepo(floorBox, aptMirror.url);
    // Only what is missing, as kjoin does: naming an installed package (ca-certificates) would upgrade it from the
    // fresh lists and run its triggers, work kjoin never does.
    const missing = await listMissingPackages(floorBox);
    // The same apt transaction: kjoin's flags and environment (noninteractive, kept conffiles).
    const aptScript = `${floorUpdates ? 'apt-get -q update && ' : ''}apt-get ${APT_INSTALL_FLAGS.join(' ')} install --no-install-recommends ${missing.join(' ')}`;
    const [apt, aptMs] = await timed(() => floorBox.exec(['sh', '-c', aptScript], { env: APT_ENV, timeoutMs: 900_000 }));
    if (apt.exitCode !== 0) throw new Error(`floor apt-get failed: ${apt.stderr}`);
    const [, downloadMs] = await timed(() => floorBox.exec(['/usr/local/bin/node', '--input-type=module', '-e', fetchScript, ...urls]));
    // Downloads overlap with apt, so the floor is apt plus whatever download time does not fit under it.
    floors.push(aptMs + Math.max(0, downloadMs - aptMs));
    await floorBox.stop();

    const box = await bootBox({ rootfs, name: 'bench-kjoin' });
    boxes.push(box);
    await installKjoin(box);
    await useBenchAptRepo(box, aptMirror.url);
    await installAptTimer(box);
    const startMs = Date.now();
    const [fresh, freshMs] = await timed(() => box.exec(args, { timeoutMs: 900_000 }));
    if (fresh.exitCode !== 0) throw new Error(`kjoin join failed: ${fresh.stderr}`);
    kjoins.push(freshMs);
    const aptCalls = await readAptCalls(box);
    aptInRun.push(sumMs(aptCalls));
    lastRun = { startMs, endMs: startMs + freshMs, apt: aptCalls };
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
  // The measure, per round: kjoin's wall time minus the time it waited on apt-get in that same run
  // (downloads run beside apt; any wait for them counts as overhead here).
  const overheads = kjoins.map((k, i) => k - aptInRun[i]!);
  const ratios = overheads.map((o, i) => o / aptInRun[i]!);
  const rows: Array<[string, string]> = [
    [`kjoin join, fresh box to kubelet-ready (wall, incl. node start; median of ${ROUNDS})`, seconds(freshMs)],
    ['  of it waiting on apt-get update + install, timed inside the same run (median)', seconds(median(aptInRun))],
    ['kjoin overhead over the apt it waits for (median of rounds; target under 10 %)', `${seconds(median(overheads))} (${(median(ratios) * 100).toFixed(1)} %)`],
    ['  every round (kjoin wall / apt inside it / overhead)', kjoins.map((k, i) => `${seconds(k)} / ${seconds(aptInRun[i]!)} / ${((ratios[i]!) * 100).toFixed(1)} %`).join(', ')],
    [`the same apt work and downloads by hand in separate boxes (median of ${ROUNDS})`, `${seconds(floorMs)} (every round: ${floors.map(seconds).join(', ')})`],
    [`  package lists in the fresh box`, listsAgeMs === null ? 'none: both sides run apt-get update' : `${(listsAgeMs / 3_600_000).toFixed(1)} h old: ${floorUpdates ? 'both sides run apt-get update' : 'fresh, neither side updates'}`],
    ...overheadBreakdown(lastRun, events),
    ...Object.entries(summarisePhases(events))
      .filter(([, ms]) => ms > 0)
      .map(([phase, ms]): [string, string] => [`  phase ${phase}, wall (last round; phases overlap)`, seconds(ms)]),
    ...events
      .filter((e) => e.type === 'step-end' && (e.durationMs ?? 0) > 0)
      .map((e): [string, string] => [`    step ${e.step}${e.step !== 'packages' && endedBeforePackages(events, e) ? ' (ran while apt installed)' : ''}`, seconds(e.durationMs!)]),
    ['kjoin wall over the by-hand floor of separate boxes (apt and dpkg vary by several % between boxes)', `${seconds(freshMs - floorMs)} (${(((freshMs - floorMs) / floorMs) * 100).toFixed(1)} %)`],
    ['kjoin peak RSS (target 80 MiB at most)', `${((events.at(-1)!.data?.maxRssKiB as number) / 1024).toFixed(1)} MiB`],
    ['converged re-run, median of 5 (wall; target 1.5 s at most)', seconds(median(converged))],
    ['old multicloud-init.sh on the same kind of box (from the brief)', '~31 s'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nkjoin bench (Debian 12 box, local artifact and apt mirrors, ${new Date().toISOString()})`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
} finally {
  await mirror.close();
  await aptMirror.close();
  for (const box of boxes) await box.stop();
}
