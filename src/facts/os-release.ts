import type { FileSystem } from '../io/fs.js';
import { assessOsSupport, majorVersion } from './os-support.js';
import type { OsFacts, OsFamily, PackageManager } from './types.js';

// The policy lives in os-support.ts; re-exported so callers find it beside classifyOs.
export { describeSupportedOs, SUPPORTED_RELEASES } from './os-support.js';

/** The os-release fields as written in the file (KEY → unquoted value). */
export type OsReleaseFields = Record<string, string>;

/** os-release(5): /etc/os-release wins; /usr/lib/os-release is the vendor copy it usually links to. */
export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'] as const;

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses os-release text. The format is a restricted shell assignment list, so values may be
 * double-quoted (with \" \\ \$ \` escapes), single-quoted (literal) or bare; lines that are blank,
 * comments or not assignments are skipped, as systemd does, rather than failing the whole file.
 */
export function parseOsRelease(text: string): OsReleaseFields {
  const fields: OsReleaseFields = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!KEY_PATTERN.test(key)) continue;
    const value = unquoteShellValue(line.slice(eq + 1));
    if (value !== null) fields[key] = value;
  }
  return fields;
}

/** One shell word; null when the quoting is broken (an unterminated quote). */
export function unquoteShellValue(raw: string): string | null {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i]!;
    if (ch === '"') {
      const end = scanDoubleQuoted(raw, i + 1);
      if (end === null) return null;
      out += end.text;
      i = end.next;
    } else if (ch === "'") {
      const close = raw.indexOf("'", i + 1);
      if (close < 0) return null;
      out += raw.slice(i + 1, close);
      i = close + 1;
    } else if (ch === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else if (/\s/.test(ch)) {
      // An unquoted blank ends the word; what follows (e.g. a trailing comment) is not part of the value.
      break;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

function scanDoubleQuoted(raw: string, start: number): { text: string; next: number } | null {
  let text = '';
  let i = start;
  while (i < raw.length) {
    const ch = raw[i]!;
    if (ch === '"') return { text, next: i + 1 };
    if (ch === '\\' && i + 1 < raw.length && '"\\$`'.includes(raw[i + 1]!)) {
      text += raw[i + 1];
      i += 2;
      continue;
    }
    text += ch;
    i += 1;
  }
  return null;
}

/** Reads and parses os-release from the host; null when neither file exists or is readable. */
export async function readOsRelease(fs: FileSystem): Promise<OsReleaseFields | null> {
  for (const file of OS_RELEASE_PATHS) {
    const text = await fs.readTextOrNull(file);
    if (text !== null) return parseOsRelease(text);
  }
  return null;
}

const DEBIAN_IDS = new Set(['debian', 'ubuntu']);
const RHEL_IDS = new Set(['rhel', 'rocky', 'almalinux', 'ol', 'centos', 'fedora']);
const SUSE_IDS = new Set(['sles', 'sled', 'suse', 'opensuse', 'opensuse-leap', 'opensuse-tumbleweed']);

/** The family decides which package manager and repositories kjoin uses, so ID_LIKE counts as much as ID. */
export function classifyFamily(id: string, idLike: readonly string[]): OsFamily {
  const ids = [id, ...idLike];
  // Amazon Linux 2 says ID_LIKE="centos rhel fedora"; it has its own repositories, so ID decides first.
  if (id === 'amzn') return 'amazon';
  if (ids.some((x) => DEBIAN_IDS.has(x))) return 'debian';
  if (ids.some((x) => RHEL_IDS.has(x))) return 'rhel';
  if (ids.some((x) => SUSE_IDS.has(x) || x.startsWith('opensuse'))) return 'suse';
  if (id === 'alpine') return 'alpine';
  if (ids.includes('arch')) return 'arch';
  return 'other';
}

/** yum before EL8 and on Amazon Linux 2; dnf from EL8, Fedora and Amazon Linux 2023 on. */
export function detectPackageManager(os: Pick<OsFacts, 'id' | 'family' | 'versionId'>): PackageManager | null {
  const major = majorVersion(os.versionId);
  switch (os.family) {
    case 'debian':
      return 'apt';
    case 'amazon':
      return major !== null && major < 2022 ? 'yum' : 'dnf';
    case 'rhel':
      if (os.id === 'fedora') return 'dnf';
      return major !== null && major <= 7 ? 'yum' : 'dnf';
    case 'suse':
      return 'zypper';
    case 'alpine':
      return 'apk';
    case 'arch':
      return 'pacman';
    default:
      return null;
  }
}

/** Turns parsed os-release fields (or null: no file) into OsFacts, support policy included. */
export function classifyOs(fields: OsReleaseFields | null): OsFacts {
  const source = fields ?? {};
  // os-release(5) defaults: ID=linux, NAME=Linux.
  const id = (source.ID ?? 'linux').toLowerCase();
  const idLike = (source.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const versionId = emptyToNull(source.VERSION_ID);
  const base = {
    id,
    versionId,
    idLike,
    name: source.NAME ?? 'Linux',
    prettyName: emptyToNull(source.PRETTY_NAME),
    versionCodename: emptyToNull(source.VERSION_CODENAME),
    family: classifyFamily(id, idLike),
  };
  const verdict =
    fields === null
      ? { support: 'unsupported' as const, supportReason: 'No /etc/os-release or /usr/lib/os-release was found, so the distribution is unknown.' }
      : assessOsSupport(base);
  return { ...base, ...verdict };
}

function emptyToNull(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
