import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../doubles/control-plane/server.js';
import { cniPluginsArtifact, kubeletArtifacts, startMirror, type Mirror } from '../doubles/mirror/server.js';
import { bootBox, ensureRootfs, type Box } from './box/index.js';
import { enableKubeletRegistration, installKjoin, KJOIN_IN_BOX, parseEvents, type JoinEvent, prepareHostSysctls } from './kjoin-in-box.js';

/**
 * The whole join on a freshly booted Debian 12 box against the strict control-plane double: kubeadm discovery
 * (JWS, CA pin), install, TLS bootstrap by the kubelet double, Node Ready with labels, taints and Kilo
 * annotations; refused credentials leave nothing behind; no secret leaks anywhere.
 */

const MINUTE = 60_000;
const VERSION = '1.31.2';
/** The API server runs a newer version than the kubelet joins with, so the kubelet can be upgraded to it. */
const SERVER_VERSION = '1.32.0';
const TOKEN = { id: 'k7j2q9', secret: 'x4m8n2b6v1c5z3l0' };
const WRONG = { id: 'k7j2q9', secret: 'aaaaaaaaaaaaaaaa' };

let mirror: Mirror;
let plane: ControlPlane;
let box: Box;
let spare: Box;

/** Writes the token file through stdin: the secret never appears in any argv or host file. */
async function writeTokenFile(target: Box, token: string): Promise<void> {
  const result = await target.exec(['sh', '-c', 'umask 077; mkdir -p /etc/kjoin; cat > /etc/kjoin/token'], { input: `${token}\n` });
  expect(result.exitCode, result.stderr).toBe(0);
}

function joinArgs(pin = plane.caPin): string[] {
  return [
    KJOIN_IN_BOX, 'join', '--output', 'json', '--server', plane.url, '--token-file', '/etc/kjoin/token',
    '--discovery-token-ca-cert-hash', pin, '--mirror', mirror.url, '--label', 'provider=lab', '--label', 'topology.kubernetes.io/region=lab-1',
    '--taint', 'dedicated=edge:NoSchedule', '--ready-timeout', '120', '--kubernetes-version', VERSION,
  ];
}

/** Every process on the host (the box's included) whose command line holds the secret, sampled while `work` runs. */
async function watchArgv<T>(secret: string, work: Promise<T>): Promise<{ result: T; leaks: string[] }> {
  const leaks = new Set<string>();
  let done = false;
  const sampler = (async () => {
    while (!done) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (cmdline.includes(secret)) leaks.add(cmdline.replaceAll('\0', ' '));
        } catch {
          // the process ended
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const result = await work;
  done = true;
  await sampler;
  return { result, leaks: [...leaks] };
}

/** The token's secret half must be nowhere kjoin writes: logs, state, /tmp, stdout/stderr. */
async function expectNoLeak(target: Box, secret: string, outputs: string[]): Promise<void> {
  for (const text of outputs) expect(text).not.toContain(secret);
  const grep = await target.exec(['sh', '-c', `grep -rlF -- "$1" /var/log/kjoin.log /var/lib/kjoin /tmp /var/tmp /run/kjoin 2>/dev/null; true`, 'grep', secret]);
  expect(grep.stdout.trim()).toBe('');
}

beforeAll(async () => {
  await prepareHostSysctls();
  const rootfs = await ensureRootfs({ suite: 'bookworm', arch: 'amd64' });
  const broken = { path: 'dl.k8s.io/release/v1.31.9/bin/linux/amd64/kubelet', body: Buffer.from('#!/bin/sh\necho "kubelet 1.31.9 double: crashes on start" >&2\nexit 1\n') };
  const brokenSum = { path: `${broken.path}.sha256`, body: Buffer.from(createHash('sha256').update(broken.body).digest('hex')) };
  mirror = await startMirror({ artifacts: [...kubeletArtifacts(VERSION, ['amd64']), ...kubeletArtifacts(SERVER_VERSION, ['amd64']), broken, brokenSum, ...cniPluginsArtifact('1.5.1', 'amd64')] });
  plane = await startControlPlane({ version: SERVER_VERSION, tokens: [{ id: TOKEN.id, secret: TOKEN.secret }] });
  [box, spare] = await Promise.all([bootBox({ rootfs, name: 'join' }), bootBox({ rootfs, name: 'refused' })]);
  for (const target of [box, spare]) {
    await installKjoin(target);
    await enableKubeletRegistration(target);
  }
}, 20 * MINUTE);

afterAll(async () => {
  await Promise.all([box?.stop(), spare?.stop()]);
  await plane?.close();
  await mirror?.close();
}, 2 * MINUTE);

describe('kjoin join against the control-plane double (fresh Debian 12 box)', () => {
  it('refuses a wrong token with exit 4, writing nothing under /etc/kubernetes and leaking nothing', async () => {
    await writeTokenFile(spare, `${WRONG.id}.${WRONG.secret}`);
    const { result, leaks } = await watchArgv(WRONG.secret, spare.exec(joinArgs(), { timeoutMs: 5 * MINUTE }));
    expect(result.exitCode, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/bootstrap token/);
    expect(leaks).toEqual([]);
    expect((await spare.exec(['test', '-e', '/etc/kubernetes'])).exitCode).toBe(1);
    expect((await spare.exec(['test', '-e', '/usr/local/bin/kubelet'])).exitCode).toBe(1);
    await expectNoLeak(spare, WRONG.secret, [result.stdout, result.stderr]);
  }, 10 * MINUTE);

  it('refuses a CA pin mismatch with exit 4 showing the expected and actual pins', async () => {
    await writeTokenFile(spare, `${TOKEN.id}.${TOKEN.secret}`);
    const wrongPin = `sha256:${'0'.repeat(64)}`;
    const result = await spare.exec(joinArgs(wrongPin), { timeoutMs: 5 * MINUTE });
    expect(result.exitCode, result.stderr).toBe(4);
    expect(result.stderr).toContain(wrongPin);
    expect(result.stderr).toContain(plane.caPin);
    expect((await spare.exec(['test', '-e', '/etc/kubernetes'])).exitCode).toBe(1);
    await expectNoLeak(spare, TOKEN.secret, [result.stdout, result.stderr]);
  }, 10 * MINUTE);

  let events: JoinEvent[] = [];
  it('joins: Node Ready with the labels, taints and Kilo annotations, NDJSON line by line, no secret anywhere', async () => {
    await writeTokenFile(box, `${TOKEN.id}.${TOKEN.secret}`);
    const { result, leaks } = await watchArgv(TOKEN.secret, box.exec(joinArgs(), { timeoutMs: 15 * MINUTE }));
    expect(result.exitCode, result.stderr + result.stdout.slice(-3000)).toBe(0);
    events = parseEvents(result.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'ok' });
    // A fresh box has no swap to turn off; every other step changes it. The kubelet, CNI and crictl steps run while
    // apt installs, so they may end in any order: compared as a set.
    expect(new Map(events.filter((e) => e.type === 'step-end').map((e) => [e.step, e.status]))).toEqual(
      new Map(['packages', 'kernel', 'swap', 'containerd', 'cni', 'crictl', 'kubelet', 'wireguard', 'register', 'start-kubelet', 'wait-ready'].map((s) => [s, s === 'swap' ? 'no-change' : 'ok'])),
    );
    // Each step ran once, and the network step (which comes after them all) only once they had ended.
    expect(events.filter((e) => e.type === 'step-end')).toHaveLength(11);
    const endIndex = (step: string) => events.findIndex((e) => e.type === 'step-end' && e.step === step);
    for (const step of ['packages', 'containerd', 'cni', 'crictl', 'kubelet']) expect(endIndex(step)).toBeLessThan(events.findIndex((e) => e.type === 'step-start' && e.step === 'wireguard'));
    // The node's conditions were streamed while waiting.
    expect(events.some((e) => e.step === 'wait-ready' && e.type === 'step-progress' && /Ready=/.test(e.message))).toBe(true);
    expect(leaks).toEqual([]);

    const name = (await box.exec(['hostname'])).stdout.trim();
    const node = plane.node(name) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { taints?: unknown[] }; status: { conditions: Array<{ type: string; status: string }> } };
    expect(node, `node ${name} registered`).toBeDefined();
    expect(node.metadata.labels).toMatchObject({ provider: 'lab', 'topology.kubernetes.io/region': 'lab-1', 'kubernetes.io/hostname': name });
    expect(node.spec.taints).toEqual([{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }]);
    expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.metadata.annotations['kilo.squat.ai/location']).toBe('lab-lab-1');
    expect(Object.keys(node.metadata.annotations).some((k) => k === 'kilo.squat.ai/persistent-keepalive' || k === 'kilo.squat.ai/force-endpoint')).toBe(true);

    expect((await box.exec(['test', '-e', '/etc/kubernetes/bootstrap-kubelet.conf'])).exitCode).toBe(1);
    expect((await box.exec(['stat', '-c', '%a', '/etc/kubernetes/kubelet.conf', '/var/lib/kilo/key'])).stdout.trim().split('\n')).toEqual(['600', '600']);
    await expectNoLeak(box, TOKEN.secret, [result.stdout, result.stderr]);
    const key = (await box.exec(['cat', '/var/lib/kilo/key'])).stdout.trim();
    await expectNoLeak(box, key, [result.stdout, result.stderr, await box.readFile('/var/lib/kjoin/state.json')]);
  }, 20 * MINUTE);

  it('reports no change on a second run', async () => {
    const result = await box.exec(joinArgs(), { timeoutMs: 5 * MINUTE });
    expect(result.exitCode, result.stderr).toBe(0);
    const ends = parseEvents(result.stdout).filter((e) => e.type === 'step-end');
    expect(ends.map((e) => [e.step, e.status])).toEqual(ends.map((e) => [e.step, 'no-change']));
    expect(ends).toHaveLength(11);
  }, 10 * MINUTE);

  const upgrade = (version: string, extra: string[] = []) =>
    box.exec([KJOIN_IN_BOX, 'upgrade', '--kubernetes-version', version, '--mirror', mirror.url, '--output', 'json', '--ready-timeout', '30', ...extra], { timeoutMs: 5 * MINUTE });

  it('upgrade refuses a kubelet newer than the API server (version skew)', async () => {
    const result = await upgrade('1.33.0');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/newer than the API server \(v1\.32\.0\)/);
    expect((await box.exec(['/usr/local/bin/kubelet', '--version'])).stdout.trim()).toBe(`Kubernetes v${VERSION}`);
  }, 5 * MINUTE);

  it('upgrade rolls back to the previous kubelet when the new one does not come up', async () => {
    const result = await upgrade('1.31.9');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/rolled back to v1\.31\.2/);
    expect((await box.exec(['/usr/local/bin/kubelet', '--version'])).stdout.trim()).toBe(`Kubernetes v${VERSION}`);
    expect((await box.exec(['systemctl', 'is-active', 'kubelet'])).stdout.trim()).toBe('active');
  }, 5 * MINUTE);

  it('upgrade swaps the kubelet (checksum verified), restarts it and waits for Ready', async () => {
    const result = await upgrade(SERVER_VERSION);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(parseEvents(result.stdout).at(-1)?.message).toMatch(/upgraded from v1\.31\.2 to v1\.32\.0/);
    expect((await box.exec(['/usr/local/bin/kubelet', '--version'])).stdout.trim()).toBe(`Kubernetes v${SERVER_VERSION}`);
    const state = JSON.parse(await box.readFile('/var/lib/kjoin/state.json')) as { components: { kubelet: { version: string } } };
    expect(state.components.kubelet.version).toBe(SERVER_VERSION);
    const again = await upgrade(SERVER_VERSION);
    expect(again.exitCode).toBe(0);
    expect(parseEvents(again.stdout).at(-1)?.message).toMatch(/no change/);
  }, 5 * MINUTE);

  it('status reports the joined node, its versions, services and Ready condition', async () => {
    const result = await box.exec([KJOIN_IN_BOX, 'status', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as {
      joined: boolean;
      versions: { kubelet: string | null };
      services: Array<{ unit: string; active: boolean | string }>;
      node: { name: string; api: { ready?: { status: string } } };
      lastRun: { result: string } | null;
    };
    expect(status.joined).toBe(true);
    expect(status.versions.kubelet).toBe(SERVER_VERSION);
    expect(status.node.name).toBe((await box.exec(['hostname'])).stdout.trim());
    expect(status.node.api.ready?.status).toBe('True');
    expect(status.lastRun?.result).toBe('ok');
    expect(result.stdout).not.toContain(TOKEN.secret);
  }, 5 * MINUTE);

  it('leave deletes the Node and resets the host, keeping a bind mount under /var/lib/kubelet intact', async () => {
    const name = (await box.exec(['hostname'])).stdout.trim();
    const mount = await box.exec(['sh', '-c', 'mkdir -p /srv/volume /var/lib/kubelet/pods/p1/volumes/v && echo keep-me > /srv/volume/data && mount --bind /srv/volume /var/lib/kubelet/pods/p1/volumes/v']);
    expect(mount.exitCode, mount.stderr).toBe(0);
    const state = JSON.parse(await box.readFile('/var/lib/kjoin/state.json')) as { components: Record<string, { files: Array<{ path: string }>; backups: Array<{ path: string }> }> };
    const recorded = Object.values(state.components).flatMap((c) => c.files.map((f) => f.path));
    // Files kjoin replaced come back as they were, not removed (none on this fresh box: containerd's configuration
    // was written before its package, which kept it).
    const restored = Object.values(state.components).flatMap((c) => c.backups.map((b) => b.path));
    expect(recorded.length).toBeGreaterThan(10);

    const result = await box.exec([KJOIN_IN_BOX, 'leave', '--output', 'json'], { timeoutMs: 5 * MINUTE });
    expect(result.exitCode, result.stderr + result.stdout.slice(-2000)).toBe(0);
    expect(plane.node(name)).toBeUndefined();
    const left = await box.exec(['sh', '-c', 'for f in "$@"; do [ -e "$f" ] && echo "$f"; done; true', 'left', ...recorded]);
    // The WireGuard key is kept unless --remove-wireguard-key (Kilo may still need it).
    expect(left.stdout.trim().split('\n').filter(Boolean).sort()).toEqual([...restored, '/var/lib/kilo/key'].sort());
    for (const path of restored) expect(await box.readFile(path)).not.toMatch(/Managed by kjoin/);
    expect((await box.exec(['test', '-e', '/var/lib/kjoin/state.json'])).exitCode).toBe(1);
    expect(await box.readFile('/var/lib/kubelet/pods/p1/volumes/v/data')).toBe('keep-me\n');
    expect((await box.exec(['systemctl', 'is-active', 'kubelet'])).stdout.trim()).not.toBe('active');
    await box.exec(['umount', '/var/lib/kubelet/pods/p1/volumes/v']);
    expect((await box.exec(['test', '-e', '/etc/kubernetes/kubelet.conf'])).exitCode).toBe(1);

    // Left cleanly: the same host joins again from scratch.
    await writeTokenFile(box, `${TOKEN.id}.${TOKEN.secret}`);
    const again = await box.exec(joinArgs(), { timeoutMs: 10 * MINUTE });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(plane.node(name)).toBeDefined();
  }, 15 * MINUTE);
});

