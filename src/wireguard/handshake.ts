import { KjoinError } from '../errors.js';
import type { Clock } from '../io/clock.js';
import type { Exec } from '../io/exec.js';
import { requireInterfaceName } from './link.js';

/**
 * Waits for the first WireGuard handshake: proof that a peer answered, i.e. keys, endpoint and UDP path are
 * right. Polls `wg show <if> latest-handshakes` ("<public key>\t<unix seconds>" per peer, 0 = never).
 */

export interface PeerHandshake {
  publicKey: string;
  /** Time of the latest handshake, or null when there has been none. */
  at: Date | null;
}

export function parseLatestHandshakes(stdout: string): PeerHandshake[] {
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 2 && /^\d+$/.test(fields[1]!))
    .map(([publicKey, seconds]) => ({ publicKey: publicKey!, at: Number(seconds) === 0 ? null : new Date(Number(seconds) * 1000) }));
}

export interface HandshakeProgress {
  elapsedMs: number;
  timeoutMs: number;
  /** Peers configured on the interface (0 while it is not there yet). */
  peers: number;
}

export interface WaitForHandshakeOptions {
  /** Wait for this peer; by default the first handshake with any peer is enough. */
  peerPublicKey?: string;
  intervalMs?: number;
  onProgress?: (progress: HandshakeProgress) => void;
  signal?: AbortSignal;
}

export async function waitForHandshake(
  exec: Exec,
  clock: Clock,
  iface: string,
  timeoutMs: number,
  options: WaitForHandshakeOptions = {},
): Promise<PeerHandshake & { at: Date }> {
  requireInterfaceName(iface);
  const intervalMs = options.intervalMs ?? 1000;
  const start = clock.monotonicMs();
  let lastError = '';
  for (;;) {
    const result = await exec.run('wg', ['show', iface, 'latest-handshakes'], { timeoutMs: 10_000 });
    // A failure (interface still coming up) is not final; it only shapes the timeout message.
    lastError = result.exitCode === 0 ? '' : (result.stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit code ${result.exitCode}`);
    const peers = result.exitCode === 0 ? parseLatestHandshakes(result.stdout) : [];
    const done = peers.find((peer) => peer.at !== null && (options.peerPublicKey === undefined || peer.publicKey === options.peerPublicKey));
    if (done?.at) return { publicKey: done.publicKey, at: done.at };

    const elapsedMs = clock.monotonicMs() - start;
    options.onProgress?.({ elapsedMs, timeoutMs, peers: peers.length });
    if (elapsedMs >= timeoutMs) {
      const why = lastError !== '' ? `: wg show failed: ${lastError}` : peers.length === 0 ? ': the interface has no peers' : '';
      throw new KjoinError('step-failed', `no WireGuard handshake on ${iface} within ${Math.round(timeoutMs / 1000)} s${why}`, {
        hint: 'check that the peer has this node\'s public key and that UDP to the peer endpoint (usually port 51820) is not blocked',
      });
    }
    await clock.sleep(Math.min(intervalMs, Math.max(0, timeoutMs - elapsedMs)), options.signal);
  }
}
