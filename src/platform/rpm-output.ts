/** Pure parsers for what rpm, dnf (4 and 5) and yum print (run with LC_ALL=C, so English). */
import type { PackageProgress } from './package-manager.js';

/** rpm's query format: one "name<TAB>version-release" line per installed instance. */
export const RPM_QUERY_FORMAT = '%{NAME}\\t%{VERSION}-%{RELEASE}\\n';

/**
 * Installed versions from `rpm -q --queryformat <RPM_QUERY_FORMAT> <pkg>...`; "package foo is not installed"
 * lines map to null. rpm queries by name, not by Provides, hence the distribution names in package-names.ts.
 */
export function parseRpmQuery(stdout: string): Map<string, string | null> {
  const versions = new Map<string, string | null>();
  for (const line of stdout.split('\n')) {
    const missing = /^package (\S+) is not installed/.exec(line.trim());
    if (missing) {
      if (!versions.has(missing[1]!)) versions.set(missing[1]!, null);
      continue;
    }
    const [name, version] = line.split('\t');
    if (name?.trim() && version?.trim()) versions.set(name.trim(), version.trim());
  }
  return versions;
}

/** "1:conntrack-tools-1.4.7-2.el9.x86_64" or "conntrack-tools-0:1.4.8-2.fc41.x86_64" → "conntrack-tools". */
export function extractRpmName(nevra: string): string {
  const withoutArch = nevra.replace(/^\d+:/, '').replace(/\.rpm$/, '').replace(/\.(?:x86_64|aarch64|noarch|i686)$/, '');
  const parts = withoutArch.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : withoutArch;
}

/**
 * One dnf/yum transaction line as progress:
 *   (1/3): conntrack-tools-1.4.7-2.el9.x86_64.rpm   1.2 MB/s | 230 kB  00:00        (dnf4 download)
 *     Installing       : conntrack-tools-1.4.7-2.el9.x86_64                    1/3  (dnf4, yum)
 *   [2/4] Installing conntrack-tools-0:1.4.8-2.fc41.x86_64 100% | ...              (dnf5)
 */
export function parseDnfProgressLine(line: string): PackageProgress | null {
  // The NEVRA must hold "-<digit>", so summary headers such as "Installing dependencies:" do not match.
  const install = /^\s*(?:\[\s*\d+\/\d+\]\s+)?(?:Installing|Upgrading|Updating)\s*:?\s+(\S+-\d\S*)/.exec(line);
  if (install) {
    const pkg = extractRpmName(install[1]!);
    return { kind: 'install', package: pkg, message: `installing ${pkg}` };
  }
  const download = /^\s*(?:\(\d+\/\d+\):\s+(\S+-\d\S*)|\[\s*\d+\/\d+\]\s+(\S+-\d\S*)\s+100%)/.exec(line);
  if (download) {
    const pkg = extractRpmName(download[1] ?? download[2]!);
    return { kind: 'download', package: pkg, message: `downloading ${pkg}` };
  }
  return null;
}

/**
 * dnf's and yum's lock waits: "Waiting for process with pid 1234 to finish." (dnf4) and
 * "Another app is currently holding the yum lock; waiting for it to exit..." (yum).
 */
export function parseDnfLockLine(line: string): { pid: number | null } | null {
  const dnf = /Waiting for process with pid (\d+) to finish/.exec(line);
  if (dnf) return { pid: Number(dnf[1]) };
  return /currently holding the yum lock/.test(line) ? { pid: null } : null;
}

/**
 * Candidate version from `dnf info -q <pkg>` / `yum info -q <pkg>`: the first package of the "Available"
 * section (what an install would pick), else the installed one when nothing newer is offered.
 */
export function parseRpmInfoCandidate(stdout: string): string | null {
  let section: 'installed' | 'available' = 'available';
  let version: string | null = null;
  const found: Record<'installed' | 'available', string | null> = { installed: null, available: null };
  for (const line of stdout.split('\n')) {
    if (/^Installed packages/i.test(line)) section = 'installed';
    else if (/^(Available|Upgrades?) packages/i.test(line)) section = 'available';
    const field = /^(Version|Release)\s*:\s*(\S+)/.exec(line);
    if (field?.[1] === 'Version') version = field[2]!;
    if (field?.[1] === 'Release' && version !== null) {
      found[section] ??= `${version}-${field[2]}`;
      version = null;
    }
  }
  return found.available ?? found.installed;
}

/** The line worth showing from a failed dnf/yum run. */
export function findRpmError(stderr: string, stdout: string): string {
  const split = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);
  const lines = [...split(stderr), ...split(stdout)];
  const error = lines.find((line) => /^Error:|No match for argument|Unable to find a match/.test(line));
  return error?.replace(/^Error:\s*/, '') ?? split(stderr).at(-1) ?? split(stdout).at(-1) ?? 'no output';
}
