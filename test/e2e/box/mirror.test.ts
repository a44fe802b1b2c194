import { describe, expect, it } from 'vitest';
import { parseDeb822Sources, parseOneLineSources, pickDebianMirrors, renderBoxSources } from './mirror.js';

// A Debian 12 cloud image's /etc/apt/sources.list.d/debian.sources, with a third-party repo added after it.
const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/nodesource.gpg
`;

describe('box mirror detection', () => {
  it('takes the archive and security mirrors from deb822 sources, ignoring third-party repos', () => {
    expect(pickDebianMirrors(parseDeb822Sources(DEB822))).toEqual({
      archive: 'http://deb.debian.org/debian',
      security: 'http://deb.debian.org/debian-security',
    });
  });

  it('skips disabled stanzas and deb-src', () => {
    const text = DEB822.replace('Types: deb\n# http://snapshot.debian.org/archive/debian/', 'Types: deb\nEnabled: no\n# x/');
    const mirrors = pickDebianMirrors(parseDeb822Sources(`Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n${text}`));
    expect(mirrors).toBeNull();
  });

  it('reads one-line sources with options and comments', () => {
    const text = [
      '# deb http://old.example/debian buster main',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian/ bookworm main contrib',
      'deb-src http://mirror.example/debian bookworm main',
      'deb http://mirror.example/debian-security bookworm-security main',
      'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main',
    ].join('\n');
    const sources = parseOneLineSources(text);
    expect(sources).toHaveLength(3);
    expect(pickDebianMirrors(sources)).toEqual({
      archive: 'http://mirror.example/debian',
      security: 'http://mirror.example/debian-security',
    });
  });

  it('renders the box sources for the box suite, with security only when known', () => {
    const both = renderBoxSources({ archive: 'http://m/debian', security: 'http://m/debian-security' }, 'trixie');
    expect(both).toContain('URIs: http://m/debian\nSuites: trixie trixie-updates\n');
    expect(both).toContain('URIs: http://m/debian-security\nSuites: trixie-security\n');
    expect(renderBoxSources({ archive: 'http://m/debian', security: null }, 'bookworm')).not.toContain('security');
  });
});
