import { isIP } from 'node:net';
import { configError, renderHashHeader } from './common.js';
import { requireCidr, requirePort } from './validate.js';

/**
 * A wg-quick style /etc/wireguard/<interface>.conf, built from data: the number of peers varies. Holds the
 * private key, so the step writes it 0600 and marks the planned file secret. Keys never appear in errors.
 */

export interface WireguardPeerInput {
  publicKey: string;
  allowedIPs: readonly string[];
  /** host:port, IPv4:port or [IPv6]:port; absent for peers that only ever dial in. */
  endpoint?: string;
  /** Seconds; defaults to 25 when the interface is behind NAT, else off. 0 turns it off explicitly. */
  persistentKeepalive?: number;
  presharedKey?: string;
}

export interface WireguardConfInput {
  /** Interface name, e.g. kilo0 (wg-quick takes it from the file name). */
  interfaceName: string;
  privateKey: string;
  /** The interface's own addresses, CIDR; order kept (the first is the preferred source address). */
  addresses: readonly string[];
  listenPort?: number;
  mtu?: number;
  /** This node is behind NAT: keepalives hold the NAT mapping open so peers can reach it. */
  behindNat?: boolean;
  peers: readonly WireguardPeerInput[];
}

/** Keepalive interval recommended by wg(8) for peers behind NAT. */
export const NAT_KEEPALIVE_SECONDS = 25;

/** wg-quick's own rule for interface names. */
const INTERFACE_NAME = /^[a-zA-Z0-9_=+.-]{1,15}$/;

function requireKey(field: string, key: string): string {
  const bytes = Buffer.from(key, 'base64');
  // Re-encoding rejects non-canonical base64 that Buffer would silently accept.
  if (bytes.length !== 32 || bytes.toString('base64') !== key) {
    throw configError(`${field} is not a WireGuard key (44 characters of base64 encoding 32 bytes)`, 'generate keys with `kjoin keys` or `wg genkey`');
  }
  return key;
}

function requireEndpoint(value: string): string {
  const match = /^(\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const v6 = match?.[2];
  const host = match?.[3];
  const validHost = v6 !== undefined ? isIP(v6) === 6 : host !== undefined && (isIP(host) === 4 || /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host));
  if (!match || !validHost) {
    throw configError(`WireGuard endpoint ${JSON.stringify(value)} is not host:port`, 'use 203.0.113.7:51820, [2001:db8::7]:51820 or vpn.example.com:51820');
  }
  requirePort('WireGuard endpoint port', Number(match[4]));
  return value;
}

function renderPeer(peer: WireguardPeerInput, index: number, behindNat: boolean): string[] {
  const field = `WireGuard peer ${index + 1}`;
  const lines = ['[Peer]', `PublicKey = ${requireKey(`${field} public key`, peer.publicKey)}`];
  if (peer.presharedKey !== undefined) lines.push(`PresharedKey = ${requireKey(`${field} preshared key`, peer.presharedKey)}`);
  if (peer.allowedIPs.length === 0) throw configError(`${field} has no allowed IPs`, 'give the peer at least one CIDR it routes');
  // AllowedIPs order carries no meaning to WireGuard; sorted for a stable file.
  lines.push(`AllowedIPs = ${[...peer.allowedIPs].map((cidr) => requireCidr(`${field} allowed IP`, cidr)).sort().join(', ')}`);
  if (peer.endpoint !== undefined) lines.push(`Endpoint = ${requireEndpoint(peer.endpoint)}`);
  const keepalive = peer.persistentKeepalive ?? (behindNat ? NAT_KEEPALIVE_SECONDS : 0);
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) {
    throw configError(`${field} keepalive ${keepalive} is out of range`, 'use seconds between 0 (off) and 65535; 25 is the usual value behind NAT');
  }
  if (keepalive > 0) lines.push(`PersistentKeepalive = ${keepalive}`);
  return lines;
}

function checkPeersDistinct(peers: readonly WireguardPeerInput[]): void {
  const keys = new Set<string>();
  const routes = new Map<string, number>();
  peers.forEach((peer, index) => {
    if (keys.has(peer.publicKey)) throw configError(`WireGuard peer ${index + 1} repeats another peer's public key`, 'list each peer once');
    keys.add(peer.publicKey);
    for (const cidr of peer.allowedIPs) {
      const owner = routes.get(cidr);
      if (owner === index) throw configError(`WireGuard peer ${index + 1} lists allowed IP ${cidr} twice`, 'list each range once');
      // WireGuard would silently give the range to the last peer listed; refuse instead.
      if (owner !== undefined) throw configError(`allowed IP ${cidr} is claimed by WireGuard peers ${owner + 1} and ${index + 1}`, 'each range routes to one peer');
      routes.set(cidr, index);
    }
  });
}

export function renderWireguardConf(input: WireguardConfInput): string {
  if (!INTERFACE_NAME.test(input.interfaceName)) {
    throw configError(`WireGuard interface name ${JSON.stringify(input.interfaceName)} is invalid`, 'use at most 15 letters, digits or _=+.- (e.g. kilo0)');
  }
  if (input.addresses.length === 0) throw configError('the WireGuard interface has no address', 'give it at least one address in CIDR form');

  const lines = [renderHashHeader(`WireGuard interface ${input.interfaceName}. Holds its private key: keep it 0600.`).trimEnd(), '[Interface]'];
  lines.push(`PrivateKey = ${requireKey('WireGuard private key', input.privateKey)}`);
  lines.push(`Address = ${input.addresses.map((cidr) => requireCidr('WireGuard address', cidr)).join(', ')}`);
  if (input.listenPort !== undefined) lines.push(`ListenPort = ${requirePort('WireGuard listen port', input.listenPort)}`);
  if (input.mtu !== undefined) {
    if (!Number.isInteger(input.mtu) || input.mtu < 1280 || input.mtu > 9000) throw configError(`WireGuard MTU ${input.mtu} is out of range`, 'use 1280–9000; 1420 is the usual value');
    lines.push(`MTU = ${input.mtu}`);
  }

  checkPeersDistinct(input.peers);
  const peers = input.peers
    .map((peer, index) => ({ peer, index }))
    .sort((a, b) => (a.peer.publicKey < b.peer.publicKey ? -1 : 1));
  for (const { peer, index } of peers) lines.push('', ...renderPeer(peer, index, input.behindNat ?? false));
  return `${lines.join('\n')}\n`;
}
