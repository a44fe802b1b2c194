/**
 * A host after a real `kjoin join`: the real steps (kernel, swap, containerd, crictl, kubelet, wireguard,
 * register, start-kubelet) run through the real runner against the step harness's fakes, so state.json holds
 * exactly what a join records. Then what the kubelet and wait-ready do on their own: the TLS bootstrap writes
 * kubelet.conf and the client certificate (never recorded by kjoin), wait-ready removes the bootstrap kubeconfig.
 */
import { StateStore } from '../../../src/engine/state.js';
import type { Step } from '../../../src/engine/step.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import type { ResetPorts } from '../../../src/lifecycle/reset.js';
import type { ClusterDiscovery } from '../../../src/providers/types.js';
import { containerdStep } from '../../../src/steps/containerd.js';
import { crictlStep } from '../../../src/steps/crictl.js';
import { kernelStep } from '../../../src/steps/kernel.js';
import { kubeletStep } from '../../../src/steps/kubelet.js';
import { registerStep } from '../../../src/steps/register.js';
import { startKubeletStep } from '../../../src/steps/start-kubelet.js';
import { swapStep } from '../../../src/steps/swap.js';
import { wireguardStep } from '../../../src/steps/wireguard.js';
import { KUBELET_CLIENT_PEM, SERVER, makeCluster, makeNodePki, renderKubeletKubeconfig, useCluster, type NodePki } from '../steps/cluster-fixtures.js';
import { readFixture } from '../facts/fixtures.js';
import { loadTestConfig, makeHarness, scriptContainerd, type StepHarness } from '../steps/step-context.js';

export const NODE = 'worker-1';

/** /etc/fstab as the Debian 12 installer writes it: a swap partition and a swap file. */
export const DEBIAN_FSTAB = readFixture('etc', 'fstab-debian12');

const PROC_SWAPS_HEADER = readFixture('proc', 'swaps-none');
export const PROC_SWAPS_ACTIVE = readFixture('proc', 'swaps-debian12');
export const SWAP_UNITS = ['dev-disk-by\\x2duuid-8a2b4c6d\\x2d1e3f\\x2d4a5b\\x2d9c7d\\x2d0e1f2a3b4c5d.swap', 'swapfile.swap'];

/** The /etc/containerd/config.toml Docker's containerd.io package installs (CRI off); the operator made it 0640. */
export const CONTAINERD_ORIGINAL = readFixture('etc', 'containerd-config-docker.toml');
export const CONTAINERD_ORIGINAL_MODE = 0o640;

/**
 * /proc/self/mountinfo of a Debian 12 node: lines as the kernel prints them (the root and pseudo file systems of
 * a cloud VM, then a pod's projected-token tmpfs and an emptyDir bind mount under /var/lib/kubelet/pods).
 */
export const NODE_MOUNTINFO = `22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334464k,nr_inodes=3083616,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683656k
26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
212 27 254:0 /run/netns /run/netns rw,relatime shared:58 - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
557 27 0:83 / /var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~projected/kube-api-access-x7k2p rw,relatime - tmpfs tmpfs rw,size=4096k
558 27 254:0 /srv/src /var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
`;

const fakeKubelet = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('kubelet v1.31.2\n')]);

let sharedPki: NodePki | undefined;
/** The cluster CA and worker-1's kubelet client certificate (openssl; made once per test file). */
export function nodePki(): NodePki {
  sharedPki ??= makeNodePki(NODE);
  return sharedPki;
}

/** /proc and the pre-join host: kernel modules and sysctls already as Kubernetes needs them, swap on. */
function seedHost(h: StepHarness): void {
  h.fs.put('/proc/modules', 'overlay 151552 0 - Live 0x0000000000000000\nbr_netfilter 36864 0 - Live 0x0000000000000000\n');
  for (const key of ['net/bridge/bridge-nf-call-iptables', 'net/bridge/bridge-nf-call-ip6tables', 'net/ipv4/ip_forward', 'net/ipv6/conf/all/forwarding']) {
    h.fs.put(`/proc/sys/${key}`, '1\n');
  }
  h.fs.put('/proc/sys/kernel/hostname', `${NODE}\n`);
  h.fs.put('/proc/self/mountinfo', NODE_MOUNTINFO);
  h.fs.put('/etc/fstab', DEBIAN_FSTAB);
  h.fs.put('/proc/swaps', PROC_SWAPS_ACTIVE);
  h.fs.put('/etc/containerd/config.toml', CONTAINERD_ORIGINAL, CONTAINERD_ORIGINAL_MODE);
  for (const unit of SWAP_UNITS) h.systemd.setUnit(unit, { enabled: 'generated', active: true });
  h.systemd.setUnit('containerd.service', { active: true, enabled: 'enabled' });
}

/** systemctl list-unit-files/list-units (for the swap step) and swapoff/swapon acting on /proc/swaps. */
function scriptHost(h: StepHarness): void {
  scriptContainerd(h);
  h.exec.on('systemctl', (args) => {
    const swaps = [...h.systemd.units].filter(([unit]) => unit.endsWith('.swap'));
    if (args[0] === 'list-unit-files') return { stdout: swaps.map(([unit, s]) => `${unit} ${s.enabled} -`).join('\n') };
    if (args[0] === 'list-units') return { stdout: swaps.map(([unit, s]) => `${unit} loaded ${s.active ? 'active active' : 'inactive dead'} Swap`).join('\n') };
    return { exitCode: 1, stderr: `unexpected systemctl ${args.join(' ')}` };
  });
  h.exec.on('swapoff', () => {
    h.fs.put('/proc/swaps', PROC_SWAPS_HEADER);
    return {};
  });
  h.exec.on('swapon', () => {
    h.fs.put('/proc/swaps', PROC_SWAPS_ACTIVE);
    return {};
  });
  h.http.serveArtifact('https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubelet', fakeKubelet);
}

export const JOIN_STEPS: Step[] = [kernelStep, swapStep, containerdStep, crictlStep, kubeletStep, wireguardStep, registerStep, startKubeletStep];

export interface JoinedHost extends StepHarness {
  ports: ResetPorts;
  /** A copy of every file on the host right after the join, for "untouched" assertions. */
  afterJoin: Map<string, { content: Buffer; mode: number }>;
}

/**
 * Runs the join steps for real, then lets the kubelet bootstrap as it would; `flags` are join flags over a kubeadm
 * join (undefined drops one), `cluster` changes what discovery found.
 */
export async function makeJoinedHost(options: { flags?: Record<string, unknown>; cluster?: Partial<ClusterDiscovery> } = {}): Promise<JoinedHost> {
  const h = makeHarness<MemoryFileSystem>({ config: await loadTestConfig({ flags: options.flags }) });
  seedHost(h);
  scriptHost(h);
  const pki = nodePki();
  useCluster(h, makeCluster({ caPem: pki.caPem, ...options.cluster }));
  const summary = await h.run(JOIN_STEPS);
  const failed = summary.outcomes.filter((o) => o.status !== 'ok');
  if (failed.length > 0) throw new Error(`join steps did not apply: ${failed.map((o) => `${o.id}=${o.status} ${o.message ?? ''}`).join('; ')}`);
  // The kubelet's TLS bootstrap, then wait-ready's removal of the spent bootstrap credential.
  h.fs.put('/etc/kubernetes/kubelet.conf', renderKubeletKubeconfig(SERVER, pki.caPem), 0o600);
  h.fs.put(KUBELET_CLIENT_PEM, `${pki.certPem}${pki.keyPem}`, 0o600);
  await h.fs.remove('/etc/kubernetes/bootstrap-kubelet.conf');
  // A pod's files on the emptyDir bind mount: reset must never reach them.
  h.fs.put('/var/lib/kubelet/pods/6f1e/volumes/kubernetes.io~empty-dir/cache/data.db', 'pod data\n');
  const afterJoin = new Map([...h.fs.files].map(([file, entry]) => [file, { content: Buffer.from(entry.content), mode: entry.mode }]));
  return Object.assign(h, { ports: { fs: h.fs, exec: h.exec, systemd: h.systemd, clock: h.clock }, afterJoin });
}

/** The state.json the join left, as reset will read it. */
export async function loadJoinState(h: JoinedHost) {
  return (await StateStore.load(h.fs)).snapshot;
}
