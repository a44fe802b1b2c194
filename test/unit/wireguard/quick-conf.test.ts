import { describe, expect, it } from 'vitest';
import { renderWireguardConf } from '../../../src/render/wireguard-conf.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../src/wireguard/keys.js';
import { readQuickSettings, stripQuickConf } from '../../../src/wireguard/quick-conf.js';
import { networkOf, planPeerRoutes } from '../../../src/wireguard/routes.js';

const privateKey = generatePrivateKey();
const peerA = publicKeyFromPrivate(generatePrivateKey());
const peerB = publicKeyFromPrivate(generatePrivateKey());

const rendered = renderWireguardConf({
  interfaceName: 'kilo0',
  privateKey,
  addresses: ['10.4.0.7/16'],
  listenPort: 51820,
  mtu: 1420,
  behindNat: true,
  peers: [
    { publicKey: peerA, allowedIPs: ['10.4.0.1/32', '10.244.0.0/24'], endpoint: '203.0.113.1:51820' },
    { publicKey: peerB, allowedIPs: ['10.244.1.0/24'] },
  ],
});

/** Parses stripped output back into sections of [key, value], to assert on content rather than layout. */
function sections(text: string): Array<{ name: string; entries: Array<[string, string]> }> {
  const out: Array<{ name: string; entries: Array<[string, string]> }> = [];
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) out.push({ name: header[1]!, entries: [] });
    else if (line.includes(' = ')) out.at(-1)!.entries.push(line.split(' = ') as [string, string]);
  }
  return out;
}

describe('stripQuickConf (wg-quick strip)', () => {
  it('keeps only wg(8) settings of a config renderWireguardConf wrote', () => {
    const stripped = sections(stripQuickConf(rendered));
    expect(stripped.map((s) => s.name)).toEqual(['Interface', 'Peer', 'Peer']);
    expect(stripped[0]!.entries).toEqual([
      ['PrivateKey', privateKey],
      ['ListenPort', '51820'],
    ]);
    const peers = stripped.slice(1).map((s) => Object.fromEntries(s.entries));
    const a = peers.find((p) => p.PublicKey === peerA)!;
    expect(a).toEqual({ PublicKey: peerA, AllowedIPs: '10.244.0.0/24, 10.4.0.1/32', Endpoint: '203.0.113.1:51820', PersistentKeepalive: '25' });
    expect(stripQuickConf(rendered)).not.toMatch(/Address|MTU|^#/m);
  });

  it('reads keys case-insensitively, drops comments, and refuses unknown keys or sections by name only', () => {
    const conf = `# c\n[interface]\nprivatekey = ${privateKey} # trailing\naddress = 10.9.0.1/24\nfwmark=0x1\n\n[PEER]\npublickey=${peerA}\nallowedips=10.9.0.2/32\n`;
    expect(stripQuickConf(conf)).toBe(`[Interface]\nPrivateKey = ${privateKey}\nFwMark = 0x1\n\n[Peer]\nPublicKey = ${peerA}\nAllowedIPs = 10.9.0.2/32\n`);
    expect(() => stripQuickConf(`[Interface]\nPrivateKey = ${privateKey}\nSecret = x\n`)).toThrow(/line 3: unknown key "Secret" in \[Interface\]/);
    expect(() => stripQuickConf(`[Interface]\nPrivateKey = ${privateKey}\n[Peer]\nAddress = 10.0.0.1/32\n`)).toThrow(/unknown key "Address" in \[Peer\]/);
    expect(() => stripQuickConf('[Tunnel]\n')).toThrow(/unknown section \[Tunnel\]/);
    expect(() => stripQuickConf(`PrivateKey = ${privateKey}\n`)).toThrow(/not "Key = Value" inside a section/);
    const broken = `[Interface]\n${privateKey}\n`;
    expect(() => stripQuickConf(broken)).toThrow(/line 2/);
    expect(() => stripQuickConf(broken)).not.toThrow(new RegExp(privateKey.slice(0, 20).replace(/[+/]/g, '\\$&')));
  });
});

describe('readQuickSettings', () => {
  it('collects addresses, MTU and allowed IPs', () => {
    const settings = readQuickSettings(rendered);
    expect(settings.addresses).toEqual(['10.4.0.7/16']);
    expect(settings.mtu).toBe(1420);
    expect(settings.peers.find((p) => p.publicKey === peerB)?.allowedIPs).toEqual(['10.244.1.0/24']);
  });

  it('refuses wg-quick features kjoin does not apply, and a file without Address', () => {
    expect(() => readQuickSettings(`[Interface]\nPrivateKey = ${privateKey}\nAddress = 10.0.0.1/24\nPostUp = iptables -F\n`)).toThrow(/PostUp is a wg-quick feature/);
    expect(() => readQuickSettings(`[Interface]\nPrivateKey = ${privateKey}\n`)).toThrow(/no Address/);
    expect(() => readQuickSettings(`[Interface]\nAddress = 10.0.0.1/24\nMTU = 99\n`)).toThrow(/MTU must be 1280–9000/);
  });
});

describe('planPeerRoutes', () => {
  it('reduces ranges to networks and skips what the interface address already connects', () => {
    expect(networkOf('10.4.0.7/16')).toBe('10.4.0.0/16');
    expect(networkOf('192.168.7.200/27')).toBe('192.168.7.192/27');
    expect(networkOf('fd00:1:2:3::5/48')).toBe('fd00:1:2::/48');
    expect(networkOf('::ffff:10.1.2.3/120')).toBe('::ffff:a01:200/120');
    expect(networkOf('10.9.8.7/32')).toBe('10.9.8.7/32');
    const routes = planPeerRoutes({
      addresses: ['10.4.0.7/16', 'fd00:4::7/64'],
      peers: [
        { publicKey: peerA, allowedIPs: ['10.4.0.0/16', '10.4.0.1/32', '10.244.0.9/24', 'fd00:4::/64'] },
        { publicKey: peerB, allowedIPs: ['10.244.0.0/24', 'fd00:244::/56'] },
      ],
    });
    expect(routes).toEqual(['10.4.0.1/32', '10.244.0.0/24', 'fd00:244::/56']);
  });

  it('refuses a default route', () => {
    expect(() => planPeerRoutes({ addresses: ['10.4.0.7/16'], peers: [{ publicKey: peerA, allowedIPs: ['0.0.0.0/0'] }] })).toThrow(/all traffic/);
    expect(() => planPeerRoutes({ addresses: ['10.4.0.7/16'], peers: [{ publicKey: peerA, allowedIPs: ['::/0'] }] })).toThrow(/all traffic/);
  });
});
