import { describe, expect, it } from 'vitest';
import { kubeletArtifacts, sha256Hex } from '../doubles/mirror/server.js';
import { buildKubeletDouble } from '../doubles/kubelet/build.js';
import { CNI_VERSION, MINUTE, useInstallBox } from './install-box.js';
import { parseEvents, summarisePhases } from './kjoin-in-box.js';

/**
 * The install path on a freshly booted Debian 12 box: packages from Debian, kubelet and CNI plugins from a local
 * mirror double, everything up to a kubelet-ready node. Registration is not part of this run.
 */

const VERSION = '1.31.2';
const KUBELET_PATH = `/dl.k8s.io/release/v${VERSION}/bin/linux/amd64/kubelet`;
const NEXT_VERSION = '1.32.0';
const NEXT_KUBELET_PATH = `/dl.k8s.io/release/v${NEXT_VERSION}/bin/linux/amd64/kubelet`;

const fixture = useInstallBox({ suite: 'bookworm', name: 'install', version: VERSION, extraArtifacts: () => kubeletArtifacts(NEXT_VERSION, ['amd64']) });
const joinArgs = (version?: string) => fixture.joinArgs(version);

async function boxSha256(path: string): Promise<string | null> {
  const result = await fixture.box.exec(['sha256sum', path]);
  return result.exitCode === 0 ? result.stdout.split(' ')[0]! : null;
}

async function listDir(path: string): Promise<string[]> {
  return (await fixture.box.exec(['ls', '-A', path])).stdout.split('\n').filter(Boolean);
}

describe('kjoin join on a fresh Debian 12 box (install phases)', () => {
  it('fails on a wrong kubelet checksum with a clear message and leaves no kubelet in place', async () => {
    fixture.mirror.setFault(KUBELET_PATH, 'wrong-checksum');
    const result = await fixture.box.exec(joinArgs(), { timeoutMs: 15 * MINUTE });
    fixture.mirror.setFault(KUBELET_PATH, null);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/checksum mismatch for .*kubelet/);
    expect(result.stderr).toMatch(/^hint: .*nothing was replaced/m);
    expect((await fixture.box.exec(['test', '-e', '/usr/local/bin/kubelet'])).exitCode).toBe(1);
    expect((await listDir('/usr/local/bin')).filter((f) => f.includes('kubelet'))).toEqual([]);
    const events = parseEvents(result.stdout);
    expect(events.find((e) => e.step === 'kubelet' && e.type === 'step-end')?.status).toBe('failed');
    // containerd's configuration went in before its package: apt kept it (the package's own lands beside it) and the
    // package's postinst started containerd on it, once; the containerd step had nothing to restart.
    expect(await fixture.box.readFile('/etc/containerd/config.toml')).toMatch(/^\s*SystemdCgroup = true$/m);
    expect((await fixture.box.exec(['test', '-e', '/etc/containerd/config.toml.dpkg-dist'])).exitCode).toBe(0);
    expect(events.filter((e) => /restarting containerd/.test(e.message))).toEqual([]);
    expect((await fixture.box.exec(['sh', '-c', 'journalctl -u containerd -o cat | grep -c "^Started containerd"'])).stdout.trim()).toBe('1');
  }, 20 * MINUTE);

  it('converges after being SIGKILLed in the middle of the kubelet download', async () => {
    fixture.mirror.setFault(KUBELET_PATH, 'stall-after:4096');
    const running = fixture.box.exec(joinArgs(), { timeoutMs: 10 * MINUTE });
    const deadline = Date.now() + 5 * MINUTE;
    while (!fixture.mirror.requests.includes(KUBELET_PATH) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(fixture.mirror.requests).toContain(KUBELET_PATH);
    await new Promise((r) => setTimeout(r, 500)); // the first bytes are on their way into the temp file
    await fixture.box.exec(['pkill', '-KILL', '-x', 'kjoin']);
    const killed = await running;
    expect(killed.exitCode).toBe(137); // 128 + SIGKILL: killed mid-download, not failed on its own
    fixture.mirror.setFault(KUBELET_PATH, null);
    expect((await fixture.box.exec(['test', '-e', '/usr/local/bin/kubelet'])).exitCode).toBe(1);

    const result = await fixture.box.exec(joinArgs(), { timeoutMs: 10 * MINUTE });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = parseEvents(result.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'ok' });
    console.log('install phases (ms):', JSON.stringify(summarisePhases(events)));
    expect((await listDir('/usr/local/bin')).filter((f) => f.includes('kubelet'))).toEqual(['kubelet']);
  }, 20 * MINUTE);

  it('leaves a kubelet-ready host: containerd active and answering, kubelet enabled, files and modes right', async () => {
    expect((await fixture.box.exec(['systemctl', 'is-active', 'containerd'])).stdout.trim()).toBe('active');
    const ctr = await fixture.box.exec(['ctr', 'version']);
    expect(ctr.exitCode, ctr.stderr).toBe(0);
    expect(ctr.stdout).toMatch(/Server:\s*\n\s*Version:/);
    expect(await fixture.box.readFile('/etc/containerd/config.toml')).toMatch(/^\s*SystemdCgroup = true$/m);
    expect((await fixture.box.exec(['systemctl', 'is-enabled', 'kubelet'])).stdout.trim()).toBe('enabled');
    expect(await boxSha256('/usr/local/bin/kubelet')).toBe(sha256Hex(buildKubeletDouble(VERSION, 'amd64')));
    expect((await fixture.box.exec(['/usr/local/bin/kubelet', '--version'])).stdout.trim()).toBe(`Kubernetes v${VERSION}`);
    expect(await fixture.box.readFile('/etc/modules-load.d/kjoin.conf')).toMatch(/^overlay\nbr_netfilter\n$/m);
    const sysctl = await fixture.box.readFile('/etc/sysctl.d/99-kubernetes-kjoin.conf');
    for (const key of ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables']) expect(sysctl).toContain(`${key} = 1`);
    const modes = await fixture.box.exec(['stat', '-c', '%a %n', '/var/lib/kjoin/state.json', '/usr/local/bin/kubelet', '/etc/containerd/config.toml', '/var/lib/kubelet/config.yaml', '/etc/systemd/system/kubelet.service', '/opt/cni/bin/bridge', '/etc/crictl.yaml']);
    expect(modes.stdout.trim().split('\n')).toEqual([
      '600 /var/lib/kjoin/state.json',
      '755 /usr/local/bin/kubelet',
      '644 /etc/containerd/config.toml',
      '644 /var/lib/kubelet/config.yaml',
      '644 /etc/systemd/system/kubelet.service',
      '755 /opt/cni/bin/bridge',
      '644 /etc/crictl.yaml',
    ]);
    expect((await fixture.box.exec(['/opt/cni/bin/bridge'])).stdout).toContain(`v${CNI_VERSION}`);
    expect(await listDir('/var/lib/kjoin/cache')).toEqual([]);
    expect((await fixture.box.exec(['swapon', '--show', '--noheadings'])).stdout.trim()).toBe('');
  }, 5 * MINUTE);

  it('reports no change on a second run and writes nothing', async () => {
    const state = JSON.parse(await fixture.box.readFile('/var/lib/kjoin/state.json')) as { components: Record<string, { files: Array<{ path: string }> }> };
    const paths = ['/var/lib/kjoin/state.json', ...Object.values(state.components).flatMap((c) => c.files.map((f) => f.path))];
    const stamp = async () => (await fixture.box.exec(['stat', '-c', '%n %Y.%y %i', ...paths])).stdout;
    const before = await stamp();
    const started = Date.now();
    const result = await fixture.box.exec(joinArgs(), { timeoutMs: 5 * MINUTE });
    const wallMs = Date.now() - started;
    expect(result.exitCode, result.stderr).toBe(0);
    const events = parseEvents(result.stdout);
    const ends = events.filter((e) => e.type === 'step-end');
    // Steps running side by side may end in any order.
    expect(ends.filter((e) => e.status !== 'skipped').map((e) => [e.step, e.status]).sort()).toEqual(
      ['packages', 'kernel', 'swap', 'containerd', 'cni', 'crictl', 'kubelet'].sort().map((step) => [step, 'no-change']),
    );
    expect(events.at(-1)?.message).toMatch(/no change/);
    expect(await stamp()).toBe(before);
    console.log(`converged re-run: ${wallMs} ms wall (including nsenter)`);
  }, 10 * MINUTE);

  it('stops cleanly on SIGTERM during a download, says how to resume, and leaves the installed kubelet alone', async () => {
    const before = await boxSha256('/usr/local/bin/kubelet');
    const stateBefore = await fixture.box.readFile('/var/lib/kjoin/state.json');
    fixture.mirror.setFault(NEXT_KUBELET_PATH, 'stall-after:2048');
    const running = fixture.box.exec(joinArgs(NEXT_VERSION), { timeoutMs: 5 * MINUTE });
    const deadline = Date.now() + 2 * MINUTE;
    while (!fixture.mirror.requests.includes(NEXT_KUBELET_PATH) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(fixture.mirror.requests).toContain(NEXT_KUBELET_PATH);
    await new Promise((r) => setTimeout(r, 500));
    await fixture.box.exec(['pkill', '-TERM', '-x', 'kjoin']);
    const result = await running;
    fixture.mirror.setFault(NEXT_KUBELET_PATH, null);
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/SIGTERM received, stopping after the current operation/);
    expect(result.stderr).toMatch(/^hint: .*again/m);
    expect(await boxSha256('/usr/local/bin/kubelet')).toBe(before);
    const state = JSON.parse(await fixture.box.readFile('/var/lib/kjoin/state.json')) as { components: Record<string, unknown>; lastRun?: { result: string } };
    expect(state.components).toEqual((JSON.parse(stateBefore) as { components: unknown }).components);
    expect(state.lastRun?.result).toBe('interrupted');
  }, 10 * MINUTE);
});
