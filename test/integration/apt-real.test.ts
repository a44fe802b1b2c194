/**
 * Read-only checks against this Debian machine's real dpkg and apt through RealExec: nothing is installed,
 * updated or locked. Skipped on hosts without dpkg.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { realClock } from '../../src/io/clock.js';
import { RealExec } from '../../src/io/exec.js';
import { NodeFileSystem } from '../../src/io/fs.js';
import type { OsFacts } from '../../src/facts/types.js';
import { AptBackend } from '../../src/platform/apt.js';

const hasDpkg = existsSync('/usr/bin/dpkg-query') && existsSync('/var/lib/dpkg/status');

const DEBIAN: OsFacts = {
  id: 'debian',
  versionId: null,
  idLike: [],
  name: 'Debian GNU/Linux',
  prettyName: null,
  versionCodename: null,
  family: 'debian',
  support: 'supported',
  supportReason: 'integration test host',
};

/** bash's version straight from dpkg's database, independent of dpkg-query and of the parser under test. */
function readStatusVersion(pkg: string): string | null {
  const stanza = readFileSync('/var/lib/dpkg/status', 'utf8')
    .split(/\n\n+/)
    .find((block) => block.startsWith(`Package: ${pkg}\n`) && /^Status: .* installed$/m.test(block));
  return stanza ? (/^Version: (.+)$/m.exec(stanza)?.[1] ?? null) : null;
}

describe.skipIf(!hasDpkg)('AptBackend against the real dpkg', () => {
  const exec = new RealExec();
  const apt = new AptBackend({ exec, fs: new NodeFileSystem('/'), clock: realClock }, DEBIAN);

  it('reports the installed bash version and null for a package that cannot exist', async () => {
    const absent = 'kjoin-surely-absent-package-3f9c';
    const versions = await apt.installed(['bash', absent]);
    expect(versions.get('bash')).toBe(readStatusVersion('bash'));
    expect(versions.get('bash')).toMatch(/^\S+$/);
    expect(versions.get(absent)).toBeNull();
    expect([...versions.keys()]).toEqual(['bash', absent]);
  });

  it('streams output lines through RealExec while still returning the whole output', async () => {
    const lines: Array<[string, string]> = [];
    const result = await exec.run('apt-get', ['--version'], { onLine: (stream, line) => lines.push([stream, line]) });
    expect(result.exitCode).toBe(0);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every(([stream]) => stream === 'stdout')).toBe(true);
    expect(lines.map(([, line]) => line).join('\n')).toBe(result.stdout);
  });
});
