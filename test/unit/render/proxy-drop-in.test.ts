import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from '../../../src/render/common.js';
import { proxyDropInPath } from '../../../src/render/paths.js';
import { proxyHasCredentials, renderProxyDropIn } from '../../../src/render/proxy-drop-in.js';
import { quoteSystemdValue } from '../../../src/render/systemd-quote.js';
import { parseEnvironment, parseIni, splitSystemdWords } from './parse-ini.js';

describe('renderProxyDropIn', () => {
  it('sets upper- and lowercase proxy variables, one Environment line each', () => {
    const input = { http: 'http://proxy.internal:3128', https: 'http://proxy.internal:3128', noProxy: ' localhost,127.0.0.1, .svc ,10.96.0.0/12,localhost' };
    const text = renderProxyDropIn(input);
    const unit = parseIni(text);
    expect(unit.comments[0]).toBe(MANAGED_BY);
    expect(unit.sections.map((s) => s.name)).toEqual(['Service']);
    expect(unit.sections[0]?.entries.every(([key]) => key === 'Environment')).toBe(true);
    expect(unit.sections[0]?.entries).toHaveLength(6);
    const noProxy = 'localhost,127.0.0.1,.svc,10.96.0.0/12';
    expect(parseEnvironment(unit)).toEqual({
      HTTP_PROXY: input.http,
      HTTPS_PROXY: input.https,
      NO_PROXY: noProxy,
      http_proxy: input.http,
      https_proxy: input.https,
      no_proxy: noProxy,
    });
  });

  it('keeps percent-encoded credentials intact through systemd specifier expansion', () => {
    const http = 'http://user:p%40ss%25w0rd@proxy.internal:3128';
    const text = renderProxyDropIn({ http });
    expect(text).toContain('Environment="HTTP_PROXY=http://user:p%%40ss%%25w0rd@proxy.internal:3128"');
    expect(parseEnvironment(parseIni(text)).HTTP_PROXY).toBe(http);
    expect(proxyHasCredentials({ http })).toBe(true);
    expect(proxyHasCredentials({ https: 'https://proxy.internal' })).toBe(false);
  });

  it('never echoes a credential-carrying URL in an error', () => {
    try {
      renderProxyDropIn({ http: 'ftp://user:secret@proxy' });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('secret');
    }
  });

  it('refuses a drop-in without any proxy and a noProxy entry with spaces', () => {
    expect(() => renderProxyDropIn({ noProxy: 'localhost' })).toThrow(/needs proxy.http or proxy.https/);
    expect(() => renderProxyDropIn({ http: 'http://p:3128', noProxy: 'a b' })).toThrow(/whitespace/);
  });

  it('names the drop-in after the unit', () => {
    expect(proxyDropInPath('containerd')).toBe('/etc/systemd/system/containerd.service.d/20-kjoin-proxy.conf');
  });
});

describe('quoteSystemdValue', () => {
  it.each(['plain', 'with spaces and "quotes"', 'back\\slash', '100%', "single 'quote'", ''])('round-trips %j as one word', (value) => {
    expect(splitSystemdWords(quoteSystemdValue(value))).toEqual([value]);
  });

  it('refuses line breaks', () => {
    expect(() => quoteSystemdValue('a\nExecStartPre=/bin/evil')).toThrow(/line break/);
  });
});
