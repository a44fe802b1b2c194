import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import { wireguardConfPath } from '../render/paths.js';
import { renderWireguardConf } from '../render/wireguard-conf.js';
import { KILO_KEY_PATH, ensurePrivateKey, readPrivateKey } from '../wireguard/key-file.js';
import { chooseLinkMode, bringUpLink, linkExists, setconfPathFor } from '../wireguard/link.js';
import { renderWireguardUnit, wireguardUnitName } from '../wireguard/link-unit.js';
import { waitForHandshake } from '../wireguard/handshake.js';
import { classifyNat } from '../wireguard/nat.js';
import { readQuickSettings } from '../wireguard/quick-conf.js';
import { listFilesOutOfPlace, recordFiles, SECRET_HASH, writeComponentFiles } from './managed-files.js';

/** kjoin's own interface; not kilo0, which a Kilo DaemonSet would take over and reconfigure. */
export const WIREGUARD_INTERFACE = 'kjoin0';
const HANDSHAKE_TIMEOUT_MS = 120_000;
/** Files the step writes that are not rendered files: the key (ensurePrivateKey) and wg(8)'s copy (bringUpLink). */
const NOT_RENDERED = [KILO_KEY_PATH, setconfPathFor(WIREGUARD_INTERFACE)];

/** Both hold the private key: recorded by path only, so reset can remove them and state.json holds no secret. */
function secretRecords() {
  return NOT_RENDERED.map((path) => ({ path, sha256: SECRET_HASH, mode: 0o600 }));
}

async function binaryPath(ctx: StepContext, name: string): Promise<string> {
  const found = await ctx.ports.exec.which(name);
  if (!found) throw new KjoinError('step-failed', `${name} is not installed`, { hint: `install ${name === 'wg' ? 'wireguard-tools' : name === 'ip' ? 'iproute2' : name}` });
  return found;
}

/** The tunnel files, when the control plane gives this node a WireGuard address and peers; none otherwise. */
async function renderTunnelFiles(ctx: StepContext): Promise<PlannedFile[]> {
  const tunnel = ctx.cluster?.wireguard;
  if (!tunnel) return [];
  const privateKey = await readPrivateKey(ctx.ports.fs, KILO_KEY_PATH);
  if (!privateKey) return []; // created by apply; the plan shows the key step first
  const conf = renderWireguardConf({
    interfaceName: WIREGUARD_INTERFACE,
    privateKey,
    addresses: [tunnel.address],
    listenPort: tunnel.listenPort,
    behindNat: classifyNat(ctx.facts.addresses, ctx.cluster?.externalIp) !== 'public',
    peers: tunnel.peers,
  });
  const mode = chooseLinkMode(ctx.facts.wireguard);
  const unit = renderWireguardUnit({
    interfaceName: WIREGUARD_INTERFACE,
    mode,
    settings: readQuickSettings(conf),
    binaries: { ip: await binaryPath(ctx, 'ip'), wg: await binaryPath(ctx, 'wg'), wireguardGo: mode === 'userspace' ? await binaryPath(ctx, 'wireguard-go') : undefined },
  });
  return [
    { path: wireguardConfPath(WIREGUARD_INTERFACE), mode: 0o600, content: conf, secret: true },
    { path: `/etc/systemd/system/${wireguardUnitName(WIREGUARD_INTERFACE)}`, mode: 0o644, content: unit },
  ];
}

/**
 * The node's WireGuard key at /var/lib/kilo/key (0600; Kilo adopts it; never replaced); when the control plane
 * gives this node a tunnel address and peers (a private API server), the interface kjoin0 brought up with the
 * kernel module or wireguard-go, kept across reboots by a systemd unit, and a handshake awaited before
 * registering. Idempotency: no-op when the key exists 0600 and, with a tunnel, its files match and the link is up.
 */
export const wireguardStep: Step = {
  id: 'wireguard',
  title: 'Set up WireGuard',
  phase: 'network',
  async plan(ctx) {
    const notes = [`WireGuard private key at ${KILO_KEY_PATH} (0600, created once, adopted by Kilo)`];
    if (!ctx.cluster?.wireguard) notes.push('no tunnel: the control plane is reachable without one');
    return emptyPlan({ files: await renderTunnelFiles(ctx), notes });
  },
  async check(ctx) {
    const key = await ctx.ports.fs.stat(KILO_KEY_PATH);
    if (!key || key.mode !== 0o600) return { status: 'needed', reason: `no WireGuard key at ${KILO_KEY_PATH}` };
    if (ctx.config.wireguard.rotateKey) return { status: 'needed', reason: '--rotate-wireguard-key' };
    if (!ctx.cluster?.wireguard) return { status: 'done', reason: 'key in place, no tunnel needed' };
    const out = await listFilesOutOfPlace(ctx, 'wireguard', await renderTunnelFiles(ctx), NOT_RENDERED);
    if (!(await linkExists(ctx.ports.exec, WIREGUARD_INTERFACE))) out.push(`${WIREGUARD_INTERFACE} is down`);
    return out.length ? { status: 'needed', reason: out.join(', ') } : { status: 'done', reason: `${WIREGUARD_INTERFACE} up` };
  },
  async apply(ctx) {
    const key = await ensurePrivateKey(ctx.ports.fs, KILO_KEY_PATH, { rotate: ctx.config.wireguard.rotateKey });
    if (key.repairedMode !== null) ctx.reporter.log(`${KILO_KEY_PATH} had mode 0${key.repairedMode.toString(8)}; rewritten 0600`);
    const files = await renderTunnelFiles(ctx);
    if (files.length === 0) {
      ctx.state.recordComponent('wireguard', { files: [{ path: KILO_KEY_PATH, sha256: SECRET_HASH, mode: 0o600 }] }, ctx.ports.clock.now());
      return { message: `WireGuard key ${key.created ? 'created' : 'kept'} (public key ${key.publicKey}); no tunnel needed` };
    }
    const written = await writeComponentFiles(ctx, 'wireguard', files, NOT_RENDERED);
    const unit = wireguardUnitName(WIREGUARD_INTERFACE);
    if (written.changed.some((p) => p.startsWith('/etc/systemd/'))) await ctx.ports.systemd.daemonReload();
    await bringUpLink(ctx.ports.exec, ctx.ports.fs, WIREGUARD_INTERFACE, files[0]!.content, {
      mode: chooseLinkMode(ctx.facts.wireguard),
      onProgress: (message) => ctx.reporter.progress(message),
    });
    await ctx.ports.systemd.enable(unit);
    await waitForHandshake(ctx.ports.exec, ctx.ports.clock, WIREGUARD_INTERFACE, HANDSHAKE_TIMEOUT_MS, {
      onProgress: ({ elapsedMs, timeoutMs, peers }) =>
        ctx.reporter.progress(`waiting for a WireGuard handshake with ${peers} peer${peers === 1 ? '' : 's'} (${Math.round(elapsedMs / 1000)}/${Math.round(timeoutMs / 1000)} s)`),
      signal: ctx.signal,
    });
    ctx.state.recordComponent('wireguard', { files: [...secretRecords(), ...recordFiles(files)], units: [unit] }, ctx.ports.clock.now());
    return { message: `${WIREGUARD_INTERFACE} up, handshake done (public key ${key.publicKey})` };
  },
};
