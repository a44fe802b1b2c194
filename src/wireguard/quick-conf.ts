import { configError } from '../render/common.js';
import { requireCidr } from '../render/validate.js';

/**
 * Reads the wg-quick style files renderWireguardConf writes. wg(8) itself only understands some of their
 * keys; the rest (Address, MTU, ...) are wg-quick's, applied with ip(8). stripQuickConf is the equivalent of
 * `wg-quick strip`. Messages name keys and line numbers, never values: the file holds the private key.
 */

type SectionName = 'Interface' | 'Peer';

interface Entry {
  key: string;
  value: string;
  line: number;
}

interface Section {
  name: SectionName;
  entries: Entry[];
}

/** The keys wg(8) accepts, in their canonical spelling (wg matches them case-insensitively). */
const WG_KEYS: Record<SectionName, readonly string[]> = {
  Interface: ['PrivateKey', 'ListenPort', 'FwMark'],
  Peer: ['PublicKey', 'PresharedKey', 'AllowedIPs', 'Endpoint', 'PersistentKeepalive'],
};

/** wg-quick's own [Interface] keys: dropped by strip, some of them applied by kjoin's link code. */
const QUICK_KEYS = ['Address', 'DNS', 'MTU', 'Table', 'PreUp', 'PostUp', 'PreDown', 'PostDown', 'SaveConfig'];

function canonicalKey(section: SectionName, key: string, line: number): { key: string; wg: boolean } {
  const lower = key.toLowerCase();
  const wgKey = WG_KEYS[section].find((known) => known.toLowerCase() === lower);
  if (wgKey) return { key: wgKey, wg: true };
  const quickKey = section === 'Interface' ? QUICK_KEYS.find((known) => known.toLowerCase() === lower) : undefined;
  if (quickKey) return { key: quickKey, wg: false };
  // A line holding only a key ("abc...=") parses as a key named after the secret: name short words only.
  const shown = /^[A-Za-z]{1,24}$/.test(key) ? JSON.stringify(key) : '(not a setting name)';
  throw configError(`WireGuard config line ${line}: unknown key ${shown} in [${section}]`, `[${section}] takes ${[...WG_KEYS[section], ...(section === 'Interface' ? QUICK_KEYS : [])].join(', ')}`);
}

function parseSections(text: string): Section[] {
  const sections: Section[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    // wg(8) treats everything after "#" as a comment; base64 keys never contain "#".
    const content = raw.replace(/#.*$/, '').trim();
    if (content === '') return;
    const header = /^\[(\w+)\]$/.exec(content);
    if (header) {
      const name = (['Interface', 'Peer'] as const).find((known) => known.toLowerCase() === header[1]!.toLowerCase());
      if (!name) throw configError(`WireGuard config line ${line}: unknown section [${header[1]}]`, 'a wg-quick file has one [Interface] and any number of [Peer] sections');
      sections.push({ name, entries: [] });
      return;
    }
    const eq = content.indexOf('=');
    const current = sections.at(-1);
    if (eq <= 0 || !current) throw configError(`WireGuard config line ${line} is not "Key = Value" inside a section`, 'start the file with [Interface]');
    const key = content.slice(0, eq).trim();
    current.entries.push({ key, value: content.slice(eq + 1).trim(), line });
  });
  if (sections.filter((section) => section.name === 'Interface').length !== 1 || sections[0]?.name !== 'Interface') {
    throw configError('a WireGuard config needs exactly one [Interface] section, first', 'render it with renderWireguardConf');
  }
  return sections;
}

/** The file with only wg(8) settings left (like `wg-quick strip`): what `wg setconf` accepts. */
export function stripQuickConf(text: string): string {
  const out: string[] = [];
  for (const section of parseSections(text)) {
    if (out.length > 0) out.push('');
    out.push(`[${section.name}]`);
    for (const entry of section.entries) {
      const { key, wg } = canonicalKey(section.name, entry.key, entry.line);
      if (wg) out.push(`${key} = ${entry.value}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export interface QuickPeer {
  publicKey: string;
  allowedIPs: string[];
}

/** The settings kjoin applies with ip(8) around `wg setconf`. */
export interface QuickSettings {
  addresses: string[];
  mtu?: number;
  peers: QuickPeer[];
}

function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Addresses, MTU and each peer's allowed IPs; refuses wg-quick features kjoin does not implement. */
export function readQuickSettings(text: string): QuickSettings {
  const settings: QuickSettings = { addresses: [], peers: [] };
  for (const section of parseSections(text)) {
    const peer: QuickPeer = { publicKey: '', allowedIPs: [] };
    for (const entry of section.entries) {
      const { key } = canonicalKey(section.name, entry.key, entry.line);
      if (key === 'Address') settings.addresses.push(...splitList(entry.value).map((cidr) => requireCidr('WireGuard address', cidr)));
      else if (key === 'MTU') {
        const mtu = Number(entry.value);
        if (!Number.isInteger(mtu) || mtu < 1280 || mtu > 9000) throw configError(`WireGuard config line ${entry.line}: MTU must be 1280–9000`, '1420 is the usual value');
        settings.mtu = mtu;
      } else if (['DNS', 'Table', 'PreUp', 'PostUp', 'PreDown', 'PostDown', 'SaveConfig'].includes(key)) {
        throw configError(`WireGuard config line ${entry.line}: ${key} is a wg-quick feature kjoin does not apply`, `remove ${key}; kjoin sets up addresses, MTU and peer routes only`);
      } else if (key === 'PublicKey') peer.publicKey = entry.value;
      else if (key === 'AllowedIPs') peer.allowedIPs.push(...splitList(entry.value).map((cidr) => requireCidr('WireGuard allowed IP', cidr)));
    }
    if (section.name === 'Peer') settings.peers.push(peer);
  }
  if (settings.addresses.length === 0) throw configError('the WireGuard config has no Address', 'give the interface at least one address in CIDR form');
  return settings;
}
