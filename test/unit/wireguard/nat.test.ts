import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../../src/facts/addresses.js';
import type { AddressFact } from '../../../src/facts/types.js';
import {
  classifyNat,
  formatEndpoint,
  kiloAnnotations,
  persistentKeepaliveFor,
  selectEndpointAddress,
  type NatKind,
} from '../../../src/wireguard/nat.js';

/** "eth0 10.0.0.5" → an AddressFact, scope from the same classifier the facts use. */
function facts(...specs: string[]): AddressFact[] {
  return specs.map((spec) => {
    const [iface, address] = spec.split(' ') as [string, string];
    return { interface: iface, address, family: address.includes(':') ? 'ipv6' : 'ipv4', scope: classifyAddress(address) };
  });
}

describe('classifyNat', () => {
  const table: Array<[string, AddressFact[], string | undefined, NatKind]> = [
    ['public address on the NIC, seen as itself', facts('eth0 203.0.113.7', 'eth0 fe80::1'), '203.0.113.7', 'public'],
    ['IPv6 seen in another spelling', facts('eth0 10.0.0.5', 'eth0 2001:db8:0:0::7'), '2001:db8::7', 'public'],
    ['cloud 1:1 NAT (one private IPv4)', facts('ens5 172.31.5.9', 'ens5 fe80::aa'), '198.51.100.20', 'one-to-one-nat'],
    ['cloud 1:1 NAT ignores loopback and link-local', facts('lo 127.0.0.1', 'ens5 10.1.2.3', 'ens5 169.254.3.3'), '198.51.100.20', 'one-to-one-nat'],
    ['two private networks: which one is mapped is a guess', facts('eth0 10.0.0.5', 'eth1 192.168.1.5'), '198.51.100.20', 'nat'],
    ['home router, seen through carrier-grade NAT', facts('wlan0 192.168.1.20'), '100.64.3.4', 'nat'],
    ['public address on the NIC but egress through another', facts('eth0 203.0.113.7', 'eth1 10.0.0.5'), '198.51.100.20', 'nat'],
    ['unknown observed address, only private addresses', facts('eth0 10.0.0.5'), undefined, 'nat'],
    ['unknown observed address, a public address on a NIC', facts('eth0 10.0.0.5', 'eth1 203.0.113.7'), undefined, 'public'],
    ['no addresses at all', [], undefined, 'nat'],
  ];

  it.each(table)('%s', (_why, addresses, observed, expected) => {
    expect(classifyNat(addresses, observed)).toBe(expected);
  });

  it('refuses an observed address that is not an IP', () => {
    expect(() => classifyNat(facts('eth0 10.0.0.5'), 'example.com')).toThrow(/not an IP address/);
  });
});

describe('persistentKeepaliveFor and selectEndpointAddress', () => {
  it('keeps NAT mappings open and leaves public nodes alone', () => {
    expect(persistentKeepaliveFor('nat')).toBe(25);
    expect(persistentKeepaliveFor('one-to-one-nat')).toBe(25);
    expect(persistentKeepaliveFor('public')).toBeUndefined();
  });

  it('offers an endpoint only when peers can dial in', () => {
    const addresses = facts('eth0 10.0.0.5', 'eth1 203.0.113.7');
    expect(selectEndpointAddress('one-to-one-nat', addresses, '198.51.100.20')).toBe('198.51.100.20');
    expect(selectEndpointAddress('public', addresses, undefined)).toBe('203.0.113.7');
    expect(selectEndpointAddress('public', addresses, '2001:db8:0::7')).toBe('2001:db8::7');
    expect(selectEndpointAddress('nat', addresses, '198.51.100.20')).toBeUndefined();
  });
});

describe('kiloAnnotations', () => {
  it('forces the endpoint and sets a keepalive for a 1:1 NAT cloud node', () => {
    expect(kiloAnnotations({ location: 'aws-eu-west-1', endpoint: '198.51.100.20', nat: 'one-to-one-nat' })).toEqual({
      'kilo.squat.ai/location': 'aws-eu-west-1',
      'kilo.squat.ai/force-endpoint': '198.51.100.20:51820',
      'kilo.squat.ai/persistent-keepalive': '25',
    });
  });

  it('has no endpoint behind ordinary NAT and no keepalive on a public node', () => {
    expect(kiloAnnotations({ location: 'home-lab', nat: 'nat' })).toEqual({
      'kilo.squat.ai/location': 'home-lab',
      'kilo.squat.ai/persistent-keepalive': '25',
    });
    expect(kiloAnnotations({ endpoint: '2001:db8::7', port: 51821, nat: 'public' })).toEqual({
      'kilo.squat.ai/force-endpoint': '[2001:db8::7]:51821',
    });
  });

  it('refuses an empty location or a malformed endpoint', () => {
    expect(() => kiloAnnotations({ location: ' ', nat: 'public' })).toThrow(/location is empty/);
    expect(() => kiloAnnotations({ endpoint: 'not a host', nat: 'public' })).toThrow(/neither an IP address nor a DNS name/);
    expect(() => formatEndpoint('203.0.113.7', 70000)).toThrow(/out of range/);
    expect(formatEndpoint('vpn.example.com')).toBe('vpn.example.com:51820');
  });
});
