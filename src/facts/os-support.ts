import type { OsFacts, OsSupport } from './types.js';

/**
 * kjoin's OS support policy, in one place so `join`'s refusal, `facts` and the README say the same thing.
 *
 * - supported: tested releases (the table below); join runs.
 * - best-effort: close enough that the same steps should work; join runs with a warning.
 *   Newer Ubuntu/Debian releases than the tested ones, Ubuntu interim (non-LTS) releases newer than 20.04
 *   (20.10 … 23.10 sit between supported LTSes and share their packaging, so they are treated like newer
 *   releases rather than like 18.04), Debian testing/sid (no VERSION_ID), Debian/Ubuntu derivatives
 *   (ID_LIKE names debian or ubuntu: Mint, Pop!_OS, Raspbian, Kali…), Fedora, and — by the same reasoning —
 *   RHEL-compatible releases outside the table: Oracle Linux and CentOS (Stream) 8+, RHEL/Rocky/Alma 10+.
 * - unsupported: everything else, including older releases (Ubuntu ≤ 18.04, Debian ≤ 10, EL 7, Amazon Linux 2).
 */
export interface SupportedRelease {
  /** Human name as the README and refusal message print it. */
  name: string;
  /** os-release ID. */
  id: string;
  versions: readonly string[];
  /** 'major' matches VERSION_ID by its leading number (RHEL 9.4 is 9); 'exact' compares the whole string. */
  match: 'major' | 'exact';
}

export const SUPPORTED_RELEASES: readonly SupportedRelease[] = [
  { name: 'Ubuntu', id: 'ubuntu', versions: ['20.04', '22.04', '24.04'], match: 'exact' },
  { name: 'Debian', id: 'debian', versions: ['11', '12', '13'], match: 'exact' },
  { name: 'RHEL', id: 'rhel', versions: ['8', '9'], match: 'major' },
  { name: 'Rocky Linux', id: 'rocky', versions: ['8', '9'], match: 'major' },
  { name: 'AlmaLinux', id: 'almalinux', versions: ['8', '9'], match: 'major' },
  { name: 'Amazon Linux', id: 'amzn', versions: ['2023'], match: 'exact' },
];

const UBUNTU_OLDEST = { year: 20, month: 4 };
const UBUNTU_NEWEST = { year: 24, month: 4 };
const DEBIAN_OLDEST = 11;
const DEBIAN_NEWEST = 13;
const EL_OLDEST = 8;
const EL_NEWEST = 9;

/**
 * The supported list as one line for join's refusal hint and the README, e.g.
 * "Ubuntu 20.04, 22.04, 24.04; Debian 11, 12, 13; RHEL, Rocky Linux, AlmaLinux 8, 9 (any minor release); Amazon Linux 2023".
 */
export function describeSupportedOs(): string {
  const groups: Array<{ names: string[]; release: SupportedRelease }> = [];
  for (const release of SUPPORTED_RELEASES) {
    const last = groups.at(-1);
    if (last && last.release.versions.join() === release.versions.join() && last.release.match === release.match) last.names.push(release.name);
    else groups.push({ names: [release.name], release });
  }
  return groups
    .map(({ names, release }) => `${names.join(', ')} ${release.versions.join(', ')}${release.match === 'major' ? ' (any minor release)' : ''}`)
    .join('; ');
}

/** The leading integer of VERSION_ID ("9.4" → 9, "2023" → 2023); null when absent or not numeric. */
export function majorVersion(versionId: string | null): number | null {
  const match = versionId?.match(/^(\d+)/);
  return match ? Number(match[1]) : null;
}

function isListed(id: string, versionId: string | null): boolean {
  if (versionId === null) return false;
  return SUPPORTED_RELEASES.some((r) => {
    if (r.id !== id) return false;
    const value = r.match === 'major' ? String(majorVersion(versionId)) : versionId;
    return r.versions.includes(value);
  });
}

function parseUbuntuVersion(versionId: string | null): { year: number; month: number } | null {
  const match = versionId?.match(/^(\d+)\.(\d+)/);
  return match ? { year: Number(match[1]), month: Number(match[2]) } : null;
}

function compareUbuntu(a: { year: number; month: number }, b: { year: number; month: number }): number {
  return a.year - b.year || a.month - b.month;
}

type OsIdentity = Pick<OsFacts, 'id' | 'versionId' | 'idLike' | 'name' | 'prettyName' | 'family'>;
export interface SupportVerdict {
  support: OsSupport;
  supportReason: string;
}

const verdict = (support: OsSupport, supportReason: string): SupportVerdict => ({ support, supportReason });

/** Applies the policy above to one OS; the reason is a sentence fit for an operator. */
export function assessOsSupport(os: OsIdentity): SupportVerdict {
  const label = os.prettyName ?? [os.name, os.versionId].filter(Boolean).join(' ');
  if (isListed(os.id, os.versionId)) return verdict('supported', `${label} is a supported release.`);
  switch (os.id) {
    case 'ubuntu':
      return assessUbuntu(label, os.versionId);
    case 'debian':
      return assessDebian(label, os.versionId);
    case 'rhel':
    case 'rocky':
    case 'almalinux':
      return assessEnterpriseLinux(label, os.versionId, false);
    case 'ol':
    case 'centos':
      return assessEnterpriseLinux(label, os.versionId, true);
    case 'fedora':
      return verdict('best-effort', `${label} is not tested, but it shares packaging with RHEL; join runs with a warning.`);
    case 'amzn':
      return verdict('unsupported', `${label} is not supported; only Amazon Linux 2023 is.`);
  }
  if (os.family === 'debian') {
    return verdict('best-effort', `${label} is derived from Debian/Ubuntu (ID_LIKE=${os.idLike.join(' ')}) and not tested itself; join runs with a warning.`);
  }
  return verdict('unsupported', `${label} is not a supported distribution.`);
}

function assessUbuntu(label: string, versionId: string | null): SupportVerdict {
  const version = parseUbuntuVersion(versionId);
  if (version === null) return verdict('unsupported', `${label} has no usable VERSION_ID, so the release cannot be matched.`);
  if (compareUbuntu(version, UBUNTU_NEWEST) > 0) {
    return verdict('best-effort', `${label} is newer than the tested Ubuntu releases; join runs with a warning.`);
  }
  if (compareUbuntu(version, UBUNTU_OLDEST) > 0) {
    return verdict('best-effort', `${label} is an interim (non-LTS) release between tested LTS releases; join runs with a warning.`);
  }
  return verdict('unsupported', `${label} is older than Ubuntu 20.04, the oldest supported release.`);
}

function assessDebian(label: string, versionId: string | null): SupportVerdict {
  const major = majorVersion(versionId);
  if (major === null) {
    return verdict('best-effort', `${label} is Debian testing/unstable (no VERSION_ID); join runs with a warning.`);
  }
  if (major > DEBIAN_NEWEST) return verdict('best-effort', `${label} is newer than the tested Debian releases; join runs with a warning.`);
  return verdict('unsupported', `${label} is older than Debian ${DEBIAN_OLDEST}, the oldest supported release.`);
}

function assessEnterpriseLinux(label: string, versionId: string | null, rebuild: boolean): SupportVerdict {
  const major = majorVersion(versionId);
  if (major === null) return verdict('unsupported', `${label} has no usable VERSION_ID, so the release cannot be matched.`);
  if (major < EL_OLDEST) return verdict('unsupported', `${label} is older than EL ${EL_OLDEST}, the oldest supported enterprise Linux release.`);
  if (major > EL_NEWEST) return verdict('best-effort', `${label} is newer than the tested EL releases; join runs with a warning.`);
  // Only reached for Oracle Linux and CentOS (Stream) 8/9: RHEL-compatible, but not in the tested list.
  return rebuild
    ? verdict('best-effort', `${label} is RHEL-compatible but not tested itself; join runs with a warning.`)
    : verdict('supported', `${label} is a supported release.`);
}
