import { describe, expect, it } from 'vitest';
import { KjoinError } from '../../../src/errors.js';
import {
  hasProxyCredentials,
  readProxyEnv,
  renderProxyEnvironment,
  selectProxy,
  shouldBypassProxy,
} from '../../../src/io/proxy.js';

describe('readProxyEnv', () => {
  it('reads upper case first, then lower case, ignoring empty values', () => {
    expect(
      readProxyEnv({ HTTP_PROXY: 'http://upper:3128', http_proxy: 'http://lower:3128', https_proxy: 'http://lower-tls:3128', HTTPS_PROXY: '', no_proxy: '.corp' }),
    ).toEqual({ http: 'http://upper:3128', https: 'http://lower-tls:3128', noProxy: '.corp' });
    expect(readProxyEnv({})).toEqual({});
  });

  it('adds http:// to a scheme-less proxy and keeps credentials', () => {
    expect(readProxyEnv({ HTTPS_PROXY: 'user:p%40ss@proxy.corp:8080' }).https).toBe('http://user:p%40ss@proxy.corp:8080');
  });

  it('rejects an unusable proxy without echoing its value', () => {
    const secret = 'http://user:hunter22@[bad';
    const error = (() => {
      try {
        readProxyEnv({ HTTPS_PROXY: secret });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(KjoinError);
    expect((error as KjoinError).code).toBe('config');
    expect((error as KjoinError).message).toBe('HTTPS_PROXY is not a valid proxy URL');
    expect((error as KjoinError).message).not.toContain('hunter22');
    expect(() => readProxyEnv({ http_proxy: 'socks5://proxy:1080' })).toThrow(/http_proxy uses the unsupported scheme socks5/);
  });
});

describe('shouldBypassProxy', () => {
  const cases: Array<[string, string, boolean]> = [
    ['https://dl.k8s.io/release', '', false],
    ['https://dl.k8s.io/release', '*', true],
    ['https://dl.k8s.io/release', 'dl.k8s.io', true],
    ['https://cdn.dl.k8s.io/x', 'dl.k8s.io', true],
    ['https://notdl.k8s.io/x', 'dl.k8s.io', false],
    ['https://k8s.io/x', '.k8s.io', false],
    ['https://dl.k8s.io/x', '.k8s.io', true],
    ['https://k8s.io/x', '*.k8s.io', true],
    ['https://dl.k8s.io/x', '*.k8s.io', true],
    ['https://DL.K8S.IO./x', 'dl.k8s.io', true],
    ['https://10.1.2.3:6443/', '10.1.2.3', true],
    ['https://10.1.2.4:6443/', '10.1.2.3', false],
    ['https://10.1.2.4:6443/', '10.0.0.0/8', true],
    ['https://11.1.2.4:6443/', '10.0.0.0/8', false],
    ['https://[fd00::1]:6443/', 'fd00::/8', true],
    ['https://[fd00::1]:6443/', 'fd00:0:0::1', true],
    ['https://[fe80::1]/', 'fd00::/8', false],
    ['https://api.corp:6443/', 'api.corp:6443', true],
    ['https://api.corp:8443/', 'api.corp:6443', false],
    ['https://api.corp/', 'api.corp:443', true],
    ['http://api.corp/', 'api.corp:443', false],
    ['https://[fd00::1]:6443/', '[fd00::1]:6443', true],
    ['https://10.1.2.3/', 'corp.example, 10.1.2.3 ,', true],
    ['https://10.1.2.3/', '10.0.0.0/99,nonsense/8', false],
    ['https://127.0.0.1/', 'example.com', false],
  ];
  it.each(cases)('%s with NO_PROXY=%j → %s', (url, noProxy, expected) => {
    expect(shouldBypassProxy(url, noProxy)).toBe(expected);
  });
});

describe('selectProxy', () => {
  const proxy = { http: 'http://p:3128', https: 'http://tls-p:3128', noProxy: '.internal' };
  it('picks the proxy by scheme and honours NO_PROXY', () => {
    expect(selectProxy('http://mirror.example/x', proxy)).toBe('http://p:3128');
    expect(selectProxy('https://dl.k8s.io/x', proxy)).toBe('http://tls-p:3128');
    expect(selectProxy('https://api.internal/x', proxy)).toBeUndefined();
    expect(selectProxy('https://dl.k8s.io/x', { http: 'http://p:3128' })).toBeUndefined();
  });
});

/** Parses `Environment="NAME=value"` lines as systemd does: C escapes inside quotes, `%%` → `%`. */
function parseEnvironmentLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const match = /^Environment="((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!match) throw new Error(`not an Environment= line: ${line}`);
    const assignment = match[1]!.replace(/\\(.)/g, '$1').replace(/%%/g, '%');
    const eq = assignment.indexOf('=');
    env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  return env;
}

describe('renderProxyEnvironment', () => {
  it('renders upper- and lower-case variables that parse back to the same values', () => {
    // Rendering takes settings as given: quotes and backslashes must survive systemd's unquoting too.
    const proxy = { ...readProxyEnv({ HTTP_PROXY: 'proxy.corp:3128', NO_PROXY: ' 10.0.0.0/8, .svc ,, .cluster.local ' }), https: 'http://svc:p%40ss"w\\d@proxy.corp:3128' };
    const text = renderProxyEnvironment(proxy);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('p%40'); // a bare % would be a systemd specifier
    expect(parseEnvironmentLines(text)).toEqual({
      HTTP_PROXY: 'http://proxy.corp:3128',
      http_proxy: 'http://proxy.corp:3128',
      HTTPS_PROXY: proxy.https,
      https_proxy: proxy.https,
      NO_PROXY: '10.0.0.0/8,.svc,.cluster.local',
      no_proxy: '10.0.0.0/8,.svc,.cluster.local',
    });
    expect(hasProxyCredentials(proxy)).toBe(true);
  });

  it('renders nothing without a proxy', () => {
    expect(renderProxyEnvironment({})).toBe('');
    expect(hasProxyCredentials({ https: 'http://proxy:3128' })).toBe(false);
  });

  it('never lets a value break out of its line', () => {
    // NO_PROXY is a whitespace/comma list, so a line break only separates entries (case-folded like hosts).
    expect(parseEnvironmentLines(renderProxyEnvironment({ noProxy: 'A.corp\nExecStartPre=/bin/evil' }))).toEqual({
      NO_PROXY: 'a.corp,execstartpre=/bin/evil',
      no_proxy: 'a.corp,execstartpre=/bin/evil',
    });
    expect(() => renderProxyEnvironment({ https: 'http://proxy:3128/\nExecStartPre=/bin/evil' })).toThrow(/line break/);
  });
});
