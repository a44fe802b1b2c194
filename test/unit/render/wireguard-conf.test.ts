import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from '../../../src/render/common.js';
import { wireguardConfPath } from '../../../src/render/paths.js';
import { renderWireguardConf, type WireguardConfInput } from '../../../src/render/wireguard-conf.js';
import { parseIni, valuesOf } from './parse-ini.js';

function newKeyPair(): { privateKey: string; publicKey: string } {
  const pair = nacl.box.keyPair();
  return { privateKey: Buffer.from(pair.secretKey).toString('base64'), publicKey: Buffer.from(pair.publicKey).toString('base64') };
}

const self = newKeyPair();
const peerA = newKeyPair();
const peerB = newKeyPair();

function input(overrides: Partial<WireguardConfInput> = {}): WireguardConfInput {
  return {
    interfaceName: 'kilo0',
    privateKey: self.privateKey,
    addresses: ['10.4.0.3/16'],
    listenPort: 51820,
    peers: [
      { publicKey: peerA.publicKey, allowedIPs: ['10.244.1.0/24', '10.4.0.1/32'], endpoint: '203.0.113.7:51820' },
      { publicKey: peerB.publicKey, allowedIPs: ['10.244.2.0/24'], endpoint: '[2001:db8::2]:51821' },
    ],
    ...overrides,
  };
}

describe('renderWireguardConf', () => {
  it('renders [Interface] and one [Peer] per peer, sorted by public key', () => {
    const conf = parseIni(renderWireguardConf(input()));
    expect(conf.comments[0]).toBe(MANAGED_BY);
    expect(conf.sections.map((s) => s.name)).toEqual(['Interface', 'Peer', 'Peer']);
    expect(conf.sections[0]?.entries).toEqual([
      ['PrivateKey', self.privateKey],
      ['Address', '10.4.0.3/16'],
      ['ListenPort', '51820'],
    ]);
    const byKey = new Map(conf.sections.slice(1).map((s) => [s.entries.find(([k]) => k === 'PublicKey')?.[1], Object.fromEntries(s.entries)]));
    expect(byKey.get(peerA.publicKey)).toEqual({ PublicKey: peerA.publicKey, AllowedIPs: '10.244.1.0/24, 10.4.0.1/32', Endpoint: '203.0.113.7:51820' });
    expect(byKey.get(peerB.publicKey)).toEqual({ PublicKey: peerB.publicKey, AllowedIPs: '10.244.2.0/24', Endpoint: '[2001:db8::2]:51821' });
    const order = valuesOf(conf, 'Peer', 'PublicKey');
    expect(order).toEqual([...order].sort());
  });

  it('adds a 25 s keepalive behind NAT unless a peer sets its own', () => {
    const peers = [
      { publicKey: peerA.publicKey, allowedIPs: ['10.244.1.0/24'] },
      { publicKey: peerB.publicKey, allowedIPs: ['10.244.2.0/24'], persistentKeepalive: 0 },
    ];
    const conf = parseIni(renderWireguardConf(input({ behindNat: true, peers })));
    const keepalive = (key: string) => Object.fromEntries(conf.sections.find((s) => s.entries.some(([, v]) => v === key))?.entries ?? []).PersistentKeepalive;
    expect(keepalive(peerA.publicKey)).toBe('25');
    expect(keepalive(peerB.publicKey)).toBeUndefined();
    expect(valuesOf(parseIni(renderWireguardConf(input())), 'Peer', 'PersistentKeepalive')).toEqual([]);
  });

  it('renders several addresses, MTU and a preshared key', () => {
    const psk = Buffer.from(nacl.randomBytes(32)).toString('base64');
    const conf = parseIni(
      renderWireguardConf(input({ addresses: ['10.4.0.3/16', 'fd00:4::3/64'], mtu: 1420, listenPort: undefined, peers: [{ publicKey: peerA.publicKey, presharedKey: psk, allowedIPs: ['10.4.0.1/32'] }] })),
    );
    expect(valuesOf(conf, 'Interface', 'Address')).toEqual(['10.4.0.3/16, fd00:4::3/64']);
    expect(valuesOf(conf, 'Interface', 'MTU')).toEqual(['1420']);
    expect(valuesOf(conf, 'Interface', 'ListenPort')).toEqual([]);
    expect(valuesOf(conf, 'Peer', 'PresharedKey')).toEqual([psk]);
  });

  it('is named after the interface', () => {
    expect(wireguardConfPath('kilo0')).toBe('/etc/wireguard/kilo0.conf');
  });

  it.each([
    [{ interfaceName: 'a-very-long-interface-name' }, /interface name/],
    [{ privateKey: 'not-a-key' }, /private key is not a WireGuard key/],
    [{ addresses: [] }, /no address/],
    [{ addresses: ['10.4.0.3/33'] }, /CIDR|prefix length/],
    [{ listenPort: 70000 }, /port number/],
    [{ mtu: 500 }, /MTU/],
    [{ peers: [{ publicKey: peerA.publicKey, allowedIPs: ['10.0.0.0/8'], endpoint: 'host-without-port' }] }, /not host:port/],
    [{ peers: [{ publicKey: peerA.publicKey, allowedIPs: [] }] }, /no allowed IPs/],
    [{ peers: [{ publicKey: peerA.publicKey, allowedIPs: ['10.0.0.0/8'] }, { publicKey: peerA.publicKey, allowedIPs: ['10.1.0.0/16'] }] }, /repeats/],
    [{ peers: [{ publicKey: peerA.publicKey, allowedIPs: ['10.0.0.0/8'] }, { publicKey: peerB.publicKey, allowedIPs: ['10.0.0.0/8'] }] }, /claimed by WireGuard peers 1 and 2/],
    [{ peers: [{ publicKey: peerA.publicKey, allowedIPs: ['10.0.0.0/8'], persistentKeepalive: -1 }] }, /keepalive/],
  ])('refuses %j', (override, message) => {
    expect(() => renderWireguardConf(input(override))).toThrow(message);
  });

  it('never puts a key into an error message', () => {
    const truncated = self.privateKey.slice(0, 40);
    try {
      renderWireguardConf(input({ privateKey: truncated }));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(truncated);
    }
  });
});
