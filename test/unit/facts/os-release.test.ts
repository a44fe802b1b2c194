import { describe, expect, it } from 'vitest';
import { classifyOs, detectPackageManager, parseOsRelease, readOsRelease, unquoteShellValue } from '../../../src/facts/os-release.js';
import { describeSupportedOs, SUPPORTED_RELEASES } from '../../../src/facts/os-support.js';
import type { OsFamily, OsSupport, PackageManager } from '../../../src/facts/types.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { listFixtures, readFixture } from './fixtures.js';

interface Expected {
  id: string;
  versionId: string | null;
  family: OsFamily;
  support: OsSupport;
  packageManager: PackageManager | null;
}

const row = (id: string, versionId: string | null, family: OsFamily, support: OsSupport, packageManager: PackageManager | null): Expected => ({
  id,
  versionId,
  family,
  support,
  packageManager,
});

const EXPECTED: Record<string, Expected> = {
  'ubuntu-18.04': row('ubuntu', '18.04', 'debian', 'unsupported', 'apt'),
  'ubuntu-20.04': row('ubuntu', '20.04', 'debian', 'supported', 'apt'),
  'ubuntu-20.10': row('ubuntu', '20.10', 'debian', 'best-effort', 'apt'),
  'ubuntu-22.04': row('ubuntu', '22.04', 'debian', 'supported', 'apt'),
  'ubuntu-24.04': row('ubuntu', '24.04', 'debian', 'supported', 'apt'),
  'ubuntu-25.04': row('ubuntu', '25.04', 'debian', 'best-effort', 'apt'),
  'debian-10': row('debian', '10', 'debian', 'unsupported', 'apt'),
  'debian-11': row('debian', '11', 'debian', 'supported', 'apt'),
  'debian-12': row('debian', '12', 'debian', 'supported', 'apt'),
  'debian-13': row('debian', '13', 'debian', 'supported', 'apt'),
  'debian-sid': row('debian', null, 'debian', 'best-effort', 'apt'),
  'linuxmint-21': row('linuxmint', '21.2', 'debian', 'best-effort', 'apt'),
  'pop-22.04': row('pop', '22.04', 'debian', 'best-effort', 'apt'),
  'raspbian-11': row('raspbian', '11', 'debian', 'best-effort', 'apt'),
  'rhel-8': row('rhel', '8.10', 'rhel', 'supported', 'dnf'),
  'rhel-9': row('rhel', '9.6', 'rhel', 'supported', 'dnf'),
  'rocky-8': row('rocky', '8.10', 'rhel', 'supported', 'dnf'),
  'rocky-9': row('rocky', '9.3', 'rhel', 'supported', 'dnf'),
  'almalinux-8': row('almalinux', '8.10', 'rhel', 'supported', 'dnf'),
  'almalinux-9': row('almalinux', '9.4', 'rhel', 'supported', 'dnf'),
  'centos-7': row('centos', '7', 'rhel', 'unsupported', 'yum'),
  'centos-stream-9': row('centos', '9', 'rhel', 'best-effort', 'dnf'),
  'oracle-9': row('ol', '9.3', 'rhel', 'best-effort', 'dnf'),
  'fedora-40': row('fedora', '40', 'rhel', 'best-effort', 'dnf'),
  'amzn-2': row('amzn', '2', 'amazon', 'unsupported', 'yum'),
  'amzn-2023': row('amzn', '2023', 'amazon', 'supported', 'dnf'),
  'opensuse-leap-15': row('opensuse-leap', '15.5', 'suse', 'unsupported', 'zypper'),
  'sles-15': row('sles', '15.5', 'suse', 'unsupported', 'zypper'),
  'alpine-3.20': row('alpine', '3.20.1', 'alpine', 'unsupported', 'apk'),
  arch: row('arch', '20240101.0.204074', 'arch', 'unsupported', 'pacman'),
  flatcar: row('flatcar', '3227.2.4', 'other', 'unsupported', null),
};

describe('os-release fixtures', () => {
  it('has an expectation for every fixture file and a file for every expectation', () => {
    expect(listFixtures('os-release')).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    const os = classifyOs(parseOsRelease(readFixture('os-release', file)));
    expect({
      id: os.id,
      versionId: os.versionId,
      family: os.family,
      support: os.support,
      packageManager: detectPackageManager(os),
    }).toEqual(expected);
    expect(os.supportReason).toMatch(/\.$/);
    expect(os.supportReason).toContain(os.prettyName ?? os.name);
  });

  it('keeps names, codenames and ID_LIKE as written', () => {
    const mint = classifyOs(parseOsRelease(readFixture('os-release', 'linuxmint-21')));
    expect(mint).toMatchObject({ name: 'Linux Mint', prettyName: 'Linux Mint 21.2', versionCodename: 'victoria', idLike: ['ubuntu', 'debian'] });
    const fedora = classifyOs(parseOsRelease(readFixture('os-release', 'fedora-40')));
    // VERSION_CODENAME="" means "none", not an empty codename.
    expect(fedora.versionCodename).toBeNull();
  });

  it('explains why a release is refused or only best-effort', () => {
    const reason = (file: string) => classifyOs(parseOsRelease(readFixture('os-release', file))).supportReason;
    expect(reason('ubuntu-18.04')).toContain('older than Ubuntu 20.04');
    expect(reason('ubuntu-20.10')).toContain('interim');
    expect(reason('ubuntu-25.04')).toContain('newer');
    expect(reason('debian-sid')).toContain('testing/unstable');
    expect(reason('pop-22.04')).toContain('ID_LIKE=ubuntu debian');
    expect(reason('amzn-2')).toContain('Amazon Linux 2023');
  });
});

describe('parseOsRelease', () => {
  it('handles double, single and no quotes, escapes, comments and junk lines', () => {
    const fields = parseOsRelease(
      [
        '# a comment',
        '',
        'NAME="Quoted \\"name\\" with \\\\ and \\$HOME"',
        "SINGLE='it is $literal \\n'",
        'BARE=plain',
        'ESCAPED=two\\ words',
        'EMPTY=',
        '  INDENTED="yes"  ',
        'not an assignment',
        '1BAD=key',
        'BROKEN="unterminated',
        'TRAILING=value # comment',
      ].join('\n'),
    );
    expect(fields).toEqual({
      NAME: 'Quoted "name" with \\ and $HOME',
      SINGLE: 'it is $literal \\n',
      BARE: 'plain',
      ESCAPED: 'two words',
      EMPTY: '',
      INDENTED: 'yes',
      TRAILING: 'value',
    });
  });

  it('accepts CRLF files', () => {
    expect(parseOsRelease('ID=debian\r\nVERSION_ID="12"\r\n')).toEqual({ ID: 'debian', VERSION_ID: '12' });
  });

  it('reports an unterminated quote as null', () => {
    expect(unquoteShellValue("'open")).toBeNull();
    expect(unquoteShellValue('a"b c"d')).toBe('ab cd');
  });
});

describe('readOsRelease', () => {
  it('prefers /etc/os-release', async () => {
    const fs = new MemoryFileSystem({ '/etc/os-release': 'ID=debian\n', '/usr/lib/os-release': 'ID=ubuntu\n' });
    expect(await readOsRelease(fs)).toEqual({ ID: 'debian' });
  });

  it('falls back to /usr/lib/os-release', async () => {
    const fs = new MemoryFileSystem({ '/usr/lib/os-release': readFixture('os-release', 'rocky-9') });
    expect((await readOsRelease(fs))?.ID).toBe('rocky');
  });

  it('returns null when neither exists, which classifies as an unknown, unsupported OS', async () => {
    const fields = await readOsRelease(new MemoryFileSystem());
    expect(fields).toBeNull();
    const os = classifyOs(fields);
    expect(os).toMatchObject({ id: 'linux', name: 'Linux', family: 'other', support: 'unsupported' });
    expect(os.supportReason).toContain('/etc/os-release');
    expect(detectPackageManager(os)).toBeNull();
  });
});

describe('support policy edges', () => {
  const classify = (text: string) => classifyOs(parseOsRelease(text));

  it('matches EL by major version, any minor', () => {
    expect(classify('ID="rocky"\nVERSION_ID="9.4"').support).toBe('supported');
    expect(classify('ID="rhel"\nVERSION_ID="10.0"').support).toBe('best-effort');
    expect(classify('ID="rhel"\nVERSION_ID="7.9"').support).toBe('unsupported');
  });

  it('treats every Ubuntu interim release between 20.04 and 24.04 as best-effort', () => {
    for (const version of ['20.10', '21.04', '21.10', '22.10', '23.04', '23.10']) {
      expect(classify(`ID=ubuntu\nVERSION_ID="${version}"`).support, version).toBe('best-effort');
    }
    expect(classify('ID=ubuntu\nVERSION_ID="19.10"').support).toBe('unsupported');
  });

  it('treats a future Debian as best-effort', () => {
    expect(classify('ID=debian\nVERSION_ID="14"').support).toBe('best-effort');
  });
});

describe('describeSupportedOs', () => {
  it('names every supported distribution and its versions on one line', () => {
    const text = describeSupportedOs();
    expect(text).toBe('Ubuntu 20.04, 22.04, 24.04; Debian 11, 12, 13; RHEL, Rocky Linux, AlmaLinux 8, 9 (any minor release); Amazon Linux 2023');
    for (const release of SUPPORTED_RELEASES) expect(text).toContain(release.name);
  });
});
