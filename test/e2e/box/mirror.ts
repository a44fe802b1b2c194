import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BoxSuite } from './types.js';

/** One apt source entry, whichever of the two file formats it came from. */
export interface AptSource {
  uris: string[];
  suites: string[];
  components: string[];
}

export interface DebianMirrors {
  /** Serves `<suite>` and `<suite>-updates`. */
  archive: string;
  /** Serves `<suite>-security`; null when the host has none (the box then goes without security updates). */
  security: string | null;
}

// Only entries for Debian's own suites count: hosts also carry third-party repos (nodesource, cloud SDKs).
const DEBIAN_SUITE = /^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldstable|stable|testing|unstable)(-updates|-security|-backports|-proposed-updates)?$/;

/**
 * The mirrors the box should use: KJOIN_E2E_MIRROR (and KJOIN_E2E_SECURITY_MIRROR) when set, else the ones
 * this host's apt already uses, since those are the ones known to be reachable from here.
 */
export async function detectDebianMirrors(aptDir = '/etc/apt'): Promise<DebianMirrors> {
  const fromEnv = process.env.KJOIN_E2E_MIRROR;
  if (fromEnv) return { archive: fromEnv, security: process.env.KJOIN_E2E_SECURITY_MIRROR ?? null };
  const mirrors = pickDebianMirrors(await readHostSources(aptDir));
  if (!mirrors) {
    throw new Error(
      `no Debian mirror found in ${aptDir}/sources.list(.d); set KJOIN_E2E_MIRROR=http://<debian mirror>/debian`,
    );
  }
  return mirrors;
}

/** The first Debian archive and security URIs among the host's sources, or null when there is no archive. */
export function pickDebianMirrors(sources: AptSource[]): DebianMirrors | null {
  const debian = sources.filter((source) => source.suites.some((suite) => DEBIAN_SUITE.test(suite)));
  const isSecurity = (source: AptSource) => source.suites.every((suite) => suite.endsWith('-security'));
  const archive = debian.find((source) => !isSecurity(source))?.uris[0];
  if (!archive) return null;
  const security = debian.find(isSecurity)?.uris[0] ?? null;
  return { archive: trimSlash(archive), security: security ? trimSlash(security) : null };
}

/** Parses a deb822 `.sources` file: blank-line separated stanzas; `Enabled: no` stanzas are skipped. */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match?.[1] && !line.startsWith('#')) fields.set(match[1].toLowerCase(), match[2] ?? '');
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb') || fields.get('enabled')?.toLowerCase() === 'no') continue;
    sources.push({
      uris: splitWords(fields.get('uris')).filter(isFetchableUri),
      suites: splitWords(fields.get('suites')),
      components: splitWords(fields.get('components')),
    });
  }
  return sources.filter((source) => source.uris.length > 0);
}

/** Parses one-line `deb [options] uri suite component...` entries; deb-src and comments are skipped. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, suite, ...components] = line.split(/\s+/);
    if (type !== 'deb' || !uri || !suite || !isFetchableUri(uri)) continue;
    sources.push({ uris: [uri], suites: [suite], components });
  }
  return sources;
}

/** The box's own apt sources, in the deb822 format Debian uses from trixie on (bookworm reads it too). */
export function renderBoxSources(mirrors: DebianMirrors, suite: BoxSuite): string {
  const stanzas = [
    `Types: deb\nURIs: ${mirrors.archive}\nSuites: ${suite} ${suite}-updates\nComponents: main\n` +
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
  ];
  if (mirrors.security) {
    stanzas.push(
      `Types: deb\nURIs: ${mirrors.security}\nSuites: ${suite}-security\nComponents: main\n` +
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    );
  }
  return stanzas.join('\n');
}

async function readHostSources(aptDir: string): Promise<AptSource[]> {
  const sources: AptSource[] = [];
  const listFile = await readOptional(join(aptDir, 'sources.list'));
  if (listFile) sources.push(...parseOneLineSources(listFile));
  const partsDir = join(aptDir, 'sources.list.d');
  const parts = await readdir(partsDir).catch(() => [] as string[]);
  // apt reads only these two suffixes; anything else (e.g. *.disabled) is ignored by apt and by us.
  for (const part of parts.sort()) {
    const text = await readOptional(join(partsDir, part));
    if (!text) continue;
    if (part.endsWith('.sources')) sources.push(...parseDeb822Sources(text));
    else if (part.endsWith('.list')) sources.push(...parseOneLineSources(text));
  }
  return sources;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

function splitWords(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

// debootstrap can fetch from these; cdrom:, mirror+file: and the like it cannot.
function isFetchableUri(uri: string): boolean {
  return /^(https?|file):\/\//.test(uri);
}

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}
