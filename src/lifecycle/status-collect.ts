import { STATE_DIR, STATE_FILE, StateStore, type KjoinState, type LastRun } from '../engine/state.js';
import { describeError } from '../errors.js';
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import type { Http } from '../io/http.js';
import type { Systemd, UnitFileState } from '../platform/systemd.js';
import { PATHS } from '../render/paths.js';
import { WIREGUARD_INTERFACE } from '../steps/wireguard.js';
import { parseLatestHandshakes } from '../wireguard/handshake.js';
import { linkExists } from '../wireguard/link.js';
import { wireguardUnitName } from '../wireguard/link-unit.js';
import { checkNodeApi, type NodeApiStatus } from './status-node.js';

/**
 * What `kjoin status` reports, gathered read-only from state.json and the live host. Every probe degrades to
 * "unknown, and why" instead of failing: status is what an operator runs when something is already wrong,
 * and often as a non-root user who cannot read the 0600 files.
 */

export interface ComponentStatus {
  id: string;
  version?: string;
  updatedAt: string;
}

export interface ServiceStatus {
  unit: string;
  active: boolean;
  enabled: UnitFileState;
}

export interface PeerStatus {
  publicKey: string;
  /** ISO time of the latest handshake; null when there has been none. */
  latestHandshake: string | null;
}

export interface WireguardStatus {
  interface: string;
  present: boolean;
  peers: PeerStatus[];
  /** Why the peers could not be listed (wg missing, not root). */
  error?: string;
}

export type StateFileStatus = 'present' | 'missing' | 'unreadable' | 'damaged';

export interface NodeStatus {
  joined: boolean;
  stateFile: StateFileStatus;
  /** Why the state file could not be used, when it is unreadable or damaged. */
  stateError?: string;
  components: ComponentStatus[];
  /** Live versions, from `kubelet --version` and `containerd --version`; null when not installed. */
  versions: { kubelet: string | null; containerd: string | null };
  services: ServiceStatus[];
  node: {
    name: string | null;
    server: string | null;
    provider: string | null;
    /** The kubelet finished its TLS bootstrap: /etc/kubernetes/kubelet.conf exists. */
    bootstrapped: boolean;
    api: NodeApiStatus;
  };
  wireguard: WireguardStatus[];
  lastRun: LastRun | null;
}

export interface StatusDeps {
  fs: FileSystem;
  exec: Exec;
  systemd: Systemd;
  /** Built only when the node credential is readable, so a plain status never loads the HTTP stack. */
  makeHttp: () => Promise<Http>;
  signal: AbortSignal;
  isRoot: boolean;
}

const BASE_UNITS = ['containerd.service', 'kubelet.service'];
const WIREGUARD_UNIT = /^kjoin-wireguard-(.+)\.service$/;

/** "Kubernetes v1.31.2" → "1.31.2"; "containerd github.com/containerd/containerd v1.7.24 88bf19b" → "1.7.24". */
export function parseVersionOutput(stdout: string): string | null {
  for (const word of stdout.split(/\s+/)) {
    const match = /^v?(\d+\.\d+\.\d+\S*)$/.exec(word);
    if (match) return match[1]!;
  }
  return null;
}

async function readLiveVersion(exec: Exec, command: string): Promise<string | null> {
  const result = await exec.run(command, ['--version'], { timeoutMs: 10_000 });
  return result.exitCode === 0 ? parseVersionOutput(`${result.stdout} ${result.stderr}`) : null;
}

const UNREADABLE = `${STATE_FILE} is not readable as this user; run kjoin status as root for components and the last run`;

async function readState(fs: FileSystem, isRoot: boolean): Promise<{ state: KjoinState | null; file: StateFileStatus; error?: string }> {
  if (!(await fs.stat(STATE_FILE))) {
    // state.json sits in a 0700 directory: a non-root user cannot even tell whether it exists.
    const hidden = !isRoot && (await fs.stat(STATE_DIR)) !== null;
    return hidden ? { state: null, file: 'unreadable', error: UNREADABLE } : { state: null, file: 'missing' };
  }
  if ((await fs.readTextOrNull(STATE_FILE)) === null) return { state: null, file: 'unreadable', error: UNREADABLE };
  try {
    return { state: (await StateStore.load(fs)).snapshot, file: 'present' };
  } catch (error) {
    return { state: null, file: 'damaged', error: describeError(error) };
  }
}

async function collectServices(systemd: Systemd, state: KjoinState | null): Promise<ServiceStatus[]> {
  const recorded = Object.values(state?.components ?? {}).flatMap((c) => c.units).filter((u) => WIREGUARD_UNIT.test(u));
  const units = [...new Set([...BASE_UNITS, ...recorded])];
  const defaultTunnel = wireguardUnitName(WIREGUARD_INTERFACE);
  if (!units.includes(defaultTunnel) && (await systemd.isEnabled(defaultTunnel)) !== 'not-found') units.push(defaultTunnel);
  return Promise.all(units.map(async (unit) => ({ unit, active: await systemd.isActive(unit), enabled: await systemd.isEnabled(unit) })));
}

async function collectWireguard(exec: Exec, services: ServiceStatus[]): Promise<WireguardStatus[]> {
  const interfaces = services.map((s) => WIREGUARD_UNIT.exec(s.unit)?.[1]).filter((i): i is string => i !== undefined);
  if (!interfaces.includes(WIREGUARD_INTERFACE)) interfaces.push(WIREGUARD_INTERFACE);
  const found: WireguardStatus[] = [];
  for (const iface of interfaces) {
    const present = await linkExists(exec, iface);
    const hasUnit = services.some((s) => s.unit === wireguardUnitName(iface) && s.enabled !== 'not-found');
    if (!present && !hasUnit) continue; // no tunnel configured: nothing to report
    if (!present) {
      found.push({ interface: iface, present, peers: [] });
      continue;
    }
    const result = await exec.run('wg', ['show', iface, 'latest-handshakes'], { timeoutMs: 10_000 });
    if (result.exitCode !== 0) {
      const why = result.stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit code ${result.exitCode}`;
      found.push({ interface: iface, present, peers: [], error: `wg show failed: ${why}` });
      continue;
    }
    const peers = parseLatestHandshakes(result.stdout).map((p) => ({ publicKey: p.publicKey, latestHandshake: p.at?.toISOString() ?? null }));
    found.push({ interface: iface, present, peers });
  }
  return found;
}

/** Gathers the whole status; never throws for a host that is half-joined, unjoined or unreadable. */
export async function collectStatus(deps: StatusDeps): Promise<NodeStatus> {
  const { state, file, error } = await readState(deps.fs, deps.isRoot);
  const registration = state?.components.register?.registration ?? {};
  const bootstrapped = (await deps.fs.stat(PATHS.kubeletKubeconfig)) !== null;
  const name = registration.nodeName ?? null;
  const [kubelet, containerd, services] = await Promise.all([
    readLiveVersion(deps.exec, 'kubelet'),
    readLiveVersion(deps.exec, 'containerd'),
    collectServices(deps.systemd, state),
  ]);
  const api = await checkNodeApi({ fs: deps.fs, makeHttp: deps.makeHttp, signal: deps.signal, name, bootstrapped });
  return {
    joined: state?.components.register !== undefined || bootstrapped,
    stateFile: file,
    ...(error ? { stateError: error } : {}),
    components: Object.entries(state?.components ?? {}).map(([id, c]) => ({ id, ...(c.version ? { version: c.version } : {}), updatedAt: c.updatedAt })),
    versions: { kubelet, containerd },
    services,
    node: { name, server: registration.server ?? null, provider: registration.provider ?? null, bootstrapped, api },
    wireguard: await collectWireguard(deps.exec, services),
    lastRun: state?.lastRun ?? null,
  };
}
