import { isIP } from 'node:net';
import { configError } from '../render/common.js';
import type { QuickSettings } from './quick-conf.js';

/**
 * Which routes to point at the WireGuard interface: one per peer allowed-IP range, as wg-quick adds them.
 * `ip route` refuses a prefix with host bits set ("10.4.0.7/16"), so ranges are reduced to their network.
 */

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail ("::ffff:10.0.0.1") stands for the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const value = ipv4ToBigInt(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups].reduce((acc, group) => (acc << 16n) + BigInt(parseInt(group, 16)), 0n);
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function bigIntToIpv6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => ((value >> shift) & 0xffffn).toString(16)).join(':');
  // The URL parser prints the canonical compressed form.
  return new URL(`http://[${groups}]/`).hostname.slice(1, -1);
}

/** "10.4.0.7/16" → "10.4.0.0/16"; "fd00::5/64" → "fd00::/64". The input must be a valid CIDR. */
export function networkOf(cidr: string): string {
  const [address = '', prefixText = ''] = cidr.split('/');
  const prefix = BigInt(Number(prefixText));
  if (isIP(address) === 4) {
    const mask = prefix === 0n ? 0n : ((1n << 32n) - 1n) ^ ((1n << (32n - prefix)) - 1n);
    return `${bigIntToIpv4(ipv4ToBigInt(address) & mask)}/${prefix}`;
  }
  const mask = prefix === 0n ? 0n : ((1n << 128n) - 1n) ^ ((1n << (128n - prefix)) - 1n);
  return `${bigIntToIpv6(ipv6ToBigInt(address) & mask)}/${prefix}`;
}

/**
 * Networks to route through the interface: every peer range, minus the networks the interface addresses
 * already connect (the kernel adds those routes itself), deduplicated. A default route is refused: sending
 * all of the host's traffic through a peer needs policy routing (wg-quick's Table logic) that kjoin does not do.
 */
export function planPeerRoutes(settings: QuickSettings): string[] {
  const connected = new Set(settings.addresses.map(networkOf));
  const routes: string[] = [];
  for (const peer of settings.peers) {
    for (const cidr of peer.allowedIPs) {
      const network = networkOf(cidr);
      if (network.endsWith('/0')) {
        throw configError(`WireGuard allowed IP ${cidr} would route all traffic through the tunnel`, 'list the cluster ranges (pod, service and node CIDRs) instead of a default route');
      }
      if (!connected.has(network) && !routes.includes(network)) routes.push(network);
    }
  }
  return routes;
}
