import { isIP } from 'node:net';
import { configError } from '../render/common.js';
import { NAT_KEEPALIVE_SECONDS } from '../render/wireguard-conf.js';
import { classifyAddress } from '../facts/addresses.js';
import type { AddressFact } from '../facts/types.js';

/**
 * How peers can reach this node, from its interface addresses and the address the outside world sees
 * (observedPublicIp, e.g. from a "what is my IP" lookup):
 * - public: the observed address is on an interface; peers dial it directly.
 * - one-to-one-nat: the cloud pattern (EC2, GCE, Scaleway...): one private address on the VM, a public
 *   address mapped onto it by the provider, every port forwarded; peers can dial the public address.
 * - nat: anything else (home routers, carrier-grade NAT, several private networks, unknown public address);
 *   peers cannot dial in, so the node keeps the NAT mapping open with keepalives.
 */
export type NatKind = 'public' | 'one-to-one-nat' | 'nat';

/** Kilo's default WireGuard port (kg --port). */
export const KILO_WIREGUARD_PORT = 51820;

export const KILO_ANNOTATIONS = {
  location: 'kilo.squat.ai/location',
  forceEndpoint: 'kilo.squat.ai/force-endpoint',
  persistentKeepalive: 'kilo.squat.ai/persistent-keepalive',
} as const;

/** "fd00:0::1" and "fd00::1" are the same address; the URL parser writes IPv6 in its canonical form. */
function canonicalIp(ip: string): string {
  const bare = ip.trim().split('%')[0]!;
  return isIP(bare) === 6 ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare;
}

function isLoopbackOrLinkLocal(fact: AddressFact): boolean {
  const ip = canonicalIp(fact.address);
  return fact.interface === 'lo' || /^127\./.test(ip) || /^169\.254\./.test(ip) || ip === '::1' || /^fe[89ab]/i.test(ip);
}

export function classifyNat(addresses: readonly AddressFact[], observedPublicIp?: string): NatKind {
  const usable = addresses.filter((fact) => !isLoopbackOrLinkLocal(fact));
  if (observedPublicIp === undefined || observedPublicIp.trim() === '') {
    // Without an outside view, a public address on an interface is the best evidence of reachability.
    return usable.some((fact) => fact.scope === 'public') ? 'public' : 'nat';
  }
  if (isIP(observedPublicIp.trim().split('%')[0]!) === 0) {
    throw configError(`the observed public address ${JSON.stringify(observedPublicIp)} is not an IP address`, 'give an IPv4 or IPv6 address such as 203.0.113.7');
  }
  const observed = canonicalIp(observedPublicIp);
  if (usable.some((fact) => canonicalIp(fact.address) === observed)) return 'public';
  if (classifyAddress(observed) !== 'public') return 'nat';
  const onlyPrivate = usable.every((fact) => fact.scope === 'private');
  const privateV4 = usable.filter((fact) => fact.family === 'ipv4' && fact.scope === 'private');
  // With a single private IPv4 the provider's mapping has one target; with more, which one gets the
  // inbound traffic is a guess, so treat it as ordinary NAT.
  return onlyPrivate && privateV4.length === 1 ? 'one-to-one-nat' : 'nat';
}

/**
 * Keepalive seconds for this node's peers, or undefined for none. One-to-one NAT gets keepalives too: cloud
 * firewalls (security groups) are stateful and often block inbound UDP, and a keepalive every 25 s keeps
 * the return path open at negligible cost.
 */
export function persistentKeepaliveFor(nat: NatKind): number | undefined {
  return nat === 'public' ? undefined : NAT_KEEPALIVE_SECONDS;
}

/** The address peers should dial: the observed public address unless the node is behind ordinary NAT. */
export function selectEndpointAddress(nat: NatKind, addresses: readonly AddressFact[], observedPublicIp?: string): string | undefined {
  if (nat === 'nat') return undefined;
  if (observedPublicIp !== undefined && observedPublicIp.trim() !== '') return canonicalIp(observedPublicIp);
  return addresses.find((fact) => fact.scope === 'public' && !isLoopbackOrLinkLocal(fact))?.address;
}

export interface KiloAnnotationInput {
  /** Kilo location (nodes in one location share a leader); omitted, Kilo uses topology.kubernetes.io/region. */
  location?: string;
  /** Public IP address or DNS name peers can dial; only set when one is known. */
  endpoint?: string;
  /** UDP port of the endpoint; Kilo's default 51820. */
  port?: number;
  nat: NatKind;
}

const DNS_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** "203.0.113.7:51820", "[2001:db8::7]:51820" or "vpn.example.com:51820": Kilo's host:port form. */
export function formatEndpoint(host: string, port: number = KILO_WIREGUARD_PORT): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw configError(`WireGuard port ${port} is out of range`, 'use 1–65535; Kilo listens on 51820');
  if (isIP(host) === 6) return `[${canonicalIp(host)}]:${port}`;
  if (isIP(host) === 4 || (DNS_NAME.test(host) && host.length <= 253)) return `${host}:${port}`;
  throw configError(`WireGuard endpoint host ${JSON.stringify(host)} is neither an IP address nor a DNS name`, 'use the public IP address, e.g. 203.0.113.7');
}

/**
 * The annotations Kilo reads from the Node (docs/annotations.md in squat/kilo): its location, the endpoint
 * to force when the public address is not on an interface (Kilo would otherwise advertise the private one),
 * and a keepalive interval when the node is behind NAT.
 */
export function kiloAnnotations(input: KiloAnnotationInput): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (input.location !== undefined) {
    if (input.location.trim() === '' || /[\u0000-\u001f\u007f]/.test(input.location)) {
      throw configError('the Kilo location is empty or contains a control character', 'use a name such as gcp-europe-west1 or home-lab');
    }
    annotations[KILO_ANNOTATIONS.location] = input.location;
  }
  if (input.endpoint !== undefined) annotations[KILO_ANNOTATIONS.forceEndpoint] = formatEndpoint(input.endpoint, input.port);
  const keepalive = persistentKeepaliveFor(input.nat);
  if (keepalive !== undefined) annotations[KILO_ANNOTATIONS.persistentKeepalive] = String(keepalive);
  return annotations;
}
