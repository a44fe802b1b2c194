import { BlockList, isIP } from 'node:net';
import * as os from 'node:os';
import { KjoinError } from '../errors.js';
import type { AddressFact } from './types.js';

/**
 * Ranges kjoin treats as private: not reachable from another network without a tunnel, so a node
 * behind them needs WireGuard (or a public address) to reach the control plane and its peers.
 */
export const PRIVATE_RANGES: ReadonlyArray<{ network: string; prefix: number; family: 'ipv4' | 'ipv6'; why: string }> = [
  { network: '10.0.0.0', prefix: 8, family: 'ipv4', why: 'RFC 1918' },
  { network: '172.16.0.0', prefix: 12, family: 'ipv4', why: 'RFC 1918' },
  { network: '192.168.0.0', prefix: 16, family: 'ipv4', why: 'RFC 1918' },
  { network: '100.64.0.0', prefix: 10, family: 'ipv4', why: 'carrier-grade NAT (RFC 6598)' },
  { network: '169.254.0.0', prefix: 16, family: 'ipv4', why: 'link-local' },
  { network: '127.0.0.0', prefix: 8, family: 'ipv4', why: 'loopback' },
  { network: 'fc00::', prefix: 7, family: 'ipv6', why: 'unique local (ULA)' },
  { network: 'fe80::', prefix: 10, family: 'ipv6', why: 'link-local' },
  { network: '::1', prefix: 128, family: 'ipv6', why: 'loopback' },
];

const privateBlocks = new BlockList();
for (const range of PRIVATE_RANGES) privateBlocks.addSubnet(range.network, range.prefix, range.family);

/** Strips an IPv6 zone ("fe80::1%eth0") and unwraps IPv4-mapped IPv6 ("::ffff:10.0.0.1"). */
function normaliseAddress(ip: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const bare = ip.trim().split('%')[0]!;
  const mapped = bare.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i);
  const address = mapped ? mapped[1]! : bare;
  const version = isIP(address);
  if (version === 0) throw new KjoinError('usage', `"${ip}" is not an IP address`, { hint: 'give an IPv4 or IPv6 address, e.g. 203.0.113.7' });
  return { address, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Pure: private (see PRIVATE_RANGES) or public. Throws a usage error for something that is not an IP. */
export function classifyAddress(ip: string): 'private' | 'public' {
  const { address, family } = normaliseAddress(ip);
  return privateBlocks.check(address, family) ? 'private' : 'public';
}

/** Pure: os.networkInterfaces()-shaped data to AddressFacts, loopback interfaces left out. */
export function listAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): AddressFact[] {
  const facts: AddressFact[] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    if (!entries || entries.every((entry) => entry.internal)) continue;
    for (const entry of entries) {
      if (entry.internal) continue;
      const family = entry.family === 'IPv4' || (entry.family as unknown) === 4 ? 'ipv4' : 'ipv6';
      facts.push({ interface: name, family, address: entry.address, scope: classifyAddress(entry.address) });
    }
  }
  // Ordinal comparison: localeCompare would load ICU collation data, about 8 ms of every command's start.
  const ordinal = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return facts.sort((a, b) => ordinal(a.interface, b.interface) || ordinal(a.family, b.family));
}

/**
 * The addresses of the network namespace kjoin runs in. With --host-root in a container that is the
 * container's namespace unless it shares the host's (hostNetwork), which is how kjoin is run there.
 */
export function detectAddresses(read: () => NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces): AddressFact[] {
  try {
    return listAddresses(read());
  } catch {
    // os.networkInterfaces() can throw in sandboxes without netlink; no addresses is the honest answer.
    return [];
  }
}
