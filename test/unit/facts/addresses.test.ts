import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { classifyAddress, detectAddresses, listAddresses } from '../../../src/facts/addresses.js';
import { KjoinError } from '../../../src/errors.js';

describe('classifyAddress', () => {
  it.each([
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.10',
    '100.64.0.1',
    '100.127.255.254',
    '169.254.169.254',
    '127.0.0.1',
    '127.8.9.10',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'fe80::a8c1:abff:fe98:a81b%eth0',
    'febf::1',
    '::1',
    '::ffff:10.1.2.3',
  ])('%s is private', (ip) => {
    expect(classifyAddress(ip)).toBe('private');
  });

  it.each([
    '8.8.8.8',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '192.169.0.1',
    '51.15.0.1',
    '2001:4860:4860::8888',
    '2a01:4f8:c17:1234::1',
    'fec0::1',
    '::ffff:8.8.4.4',
  ])('%s is public', (ip) => {
    expect(classifyAddress(ip)).toBe('public');
  });

  it('rejects things that are not IP addresses with a usage error', () => {
    expect(() => classifyAddress('example.com')).toThrow(KjoinError);
    expect(() => classifyAddress('10.0.0.256')).toThrow(/not an IP address/);
  });
});

function nic(address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo {
  const base = { address, mac: '02:00:00:00:00:01', internal, cidr: null, netmask: family === 'IPv4' ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::' };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

describe('listAddresses', () => {
  it('lists every non-loopback address with its scope, loopback left out', () => {
    const facts = listAddresses({
      lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
      eth0: [nic('51.15.10.20', 'IPv4'), nic('2001:bc8:1234::1', 'IPv6'), nic('fe80::1', 'IPv6')],
      wg0: [nic('10.4.0.1', 'IPv4')],
    });
    expect(facts).toEqual([
      { interface: 'eth0', family: 'ipv4', address: '51.15.10.20', scope: 'public' },
      { interface: 'eth0', family: 'ipv6', address: '2001:bc8:1234::1', scope: 'public' },
      { interface: 'eth0', family: 'ipv6', address: 'fe80::1', scope: 'private' },
      { interface: 'wg0', family: 'ipv4', address: '10.4.0.1', scope: 'private' },
    ]);
  });

  it('is empty when only loopback exists', () => {
    expect(listAddresses({ lo: [nic('127.0.0.1', 'IPv4', true)] })).toEqual([]);
  });
});

describe('detectAddresses', () => {
  it('returns no addresses when the interface listing fails', () => {
    expect(
      detectAddresses(() => {
        throw new Error('netlink unavailable');
      }),
    ).toEqual([]);
  });

  it('reads the real interfaces by default', () => {
    for (const fact of detectAddresses()) {
      expect(['ipv4', 'ipv6']).toContain(fact.family);
      expect(fact.scope).toBe(classifyAddress(fact.address));
      expect(fact.address).not.toBe('127.0.0.1');
    }
  });
});
