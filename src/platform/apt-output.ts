/** Pure parsers for what dpkg-query, apt-get and apt-cache print (run with LC_ALL=C, so English). */
import type { PackageProgress } from './package-manager.js';

/** The dpkg-query format kjoin asks for: one "name<TAB>status<TAB>version" line per package instance. */
export const DPKG_QUERY_FORMAT = '${Package}\\t${Status}\\t${Version}\\n';

/**
 * Installed versions from `dpkg-query -W -f='${Package}\t${Status}\t${Version}\n'`. Only the status
 * "<want> ok installed" counts: "deinstall ok config-files" (removed, config left) and half-installed or
 * unpacked states are not installed. Multi-arch packages print one line per architecture.
 */
export function parseDpkgQuery(stdout: string): Map<string, string | null> {
  const versions = new Map<string, string | null>();
  for (const line of stdout.split('\n')) {
    const [rawName, status, version] = line.split('\t');
    if (!rawName || status === undefined) continue;
    const name = rawName.trim().replace(/:[a-z0-9]+$/, '');
    const state = status.trim().split(/\s+/);
    const installed = state[1] === 'ok' && state[2] === 'installed' && version?.trim() ? version.trim() : null;
    if (installed !== null || !versions.has(name)) versions.set(name, installed ?? versions.get(name) ?? null);
  }
  return versions;
}

/** Strips dpkg's ":arch" qualifier ("libc6:amd64" → "libc6"). */
function stripArch(pkg: string): string {
  return pkg.replace(/:[a-z0-9]+$/, '');
}

/**
 * One apt-get/dpkg output line as progress, or null for lines worth nothing to the operator:
 *   Get:1 http://deb.debian.org/debian bookworm/main amd64 conntrack amd64 1:1.4.7-1+b2 [35.2 kB]
 *   Unpacking conntrack (1:1.4.7-1+b2) ...
 *   Setting up conntrack (1:1.4.7-1+b2) ...
 */
export function parseAptProgressLine(line: string): PackageProgress | null {
  const text = line.trim();
  const get = /^Get:\d+\s+\S+\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(\S+)\s+\[([^\]]+)\]/.exec(text);
  if (get) {
    const pkg = get[1]!;
    return { kind: 'download', package: pkg, message: `downloading ${pkg} ${get[2]} (${get[3]})` };
  }
  const unpack = /^Unpacking (\S+) \(/.exec(text);
  if (unpack) {
    const pkg = stripArch(unpack[1]!);
    return { kind: 'unpack', package: pkg, message: `unpacking ${pkg}` };
  }
  const setup = /^Setting up (\S+) \(/.exec(text);
  if (setup) {
    const pkg = stripArch(setup[1]!);
    return { kind: 'configure', package: pkg, message: `setting up ${pkg}` };
  }
  return null;
}

/** "apt 2.6.1 (amd64)" or "apt 1.6.12ubuntu0.2 (amd64)" → [2, 6, 1]; null when unrecognised. */
export function parseAptVersion(stdout: string): number[] | null {
  const match = /^apt\s+(\d+(?:\.\d+)*)/m.exec(stdout);
  return match ? match[1]!.split('.').map(Number) : null;
}

/** DPkg::Lock::Timeout exists since apt 1.9.11 (Debian 11, Ubuntu 20.04); older apt fails at once on a held lock. */
export function supportsLockTimeout(version: number[] | null): boolean {
  if (!version) return false;
  const wanted = [1, 9, 11];
  for (let i = 0; i < wanted.length; i++) {
    const have = version[i] ?? 0;
    if (have !== wanted[i]) return have > wanted[i]!;
  }
  return true;
}

/** "Candidate: 1:1.4.7-1+b2" from `apt-cache policy`; null for "(none)" or an unknown package (empty output). */
export function parseAptCandidate(stdout: string): string | null {
  const candidate = /^\s*Candidate:\s*(\S+)/m.exec(stdout)?.[1];
  return !candidate || candidate === '(none)' ? null : candidate;
}

/** The line worth showing from a failed apt-get: its first "E:" line, else the last thing it printed. */
export function findAptError(stderr: string, stdout: string): string {
  const split = (text: string) => text.split(/[\r\n]+/).map((line) => line.trim()).filter(Boolean);
  const errorLine = [...split(stderr), ...split(stdout)].find((line) => line.startsWith('E: '));
  return errorLine?.slice(3) ?? split(stderr).at(-1) ?? split(stdout).at(-1) ?? 'no output';
}
