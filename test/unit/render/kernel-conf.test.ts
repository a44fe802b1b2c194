import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from '../../../src/render/common.js';
import { listKernelModules, listSysctls, renderModulesLoad, renderSysctlConf } from '../../../src/render/kernel-conf.js';

/** sysctl.d(5): "key = value" lines, comments start with # or ;. */
function parseSysctl(text: string): { comments: string[]; settings: Array<[string, string]> } {
  const comments: string[] = [];
  const settings: Array<[string, string]> = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    if (line.startsWith('#') || line.startsWith(';')) comments.push(line.slice(1).trim());
    else {
      const [key, value, ...rest] = line.split('=').map((part) => part.trim());
      if (!key || value === undefined || rest.length > 0) throw new Error(`bad sysctl line: ${line}`);
      settings.push([key, value]);
    }
  }
  return { comments, settings };
}

/** modules-load.d(5): one module name per line, comments start with # or ;. */
function parseModulesLoad(text: string): { comments: string[]; modules: string[] } {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return {
    comments: lines.filter((l) => l.startsWith('#') || l.startsWith(';')).map((l) => l.slice(1).trim()),
    modules: lines.filter((l) => !l.startsWith('#') && !l.startsWith(';')),
  };
}

describe('renderSysctlConf', () => {
  it('enables forwarding and bridge netfilter, sorted, under a managed-by header', () => {
    const parsed = parseSysctl(renderSysctlConf());
    expect(parsed.comments[0]).toBe(MANAGED_BY);
    expect(parsed.settings).toEqual([
      ['net.bridge.bridge-nf-call-ip6tables', '1'],
      ['net.bridge.bridge-nf-call-iptables', '1'],
      ['net.ipv4.ip_forward', '1'],
      ['net.ipv6.conf.all.forwarding', '1'],
    ]);
    expect(Object.fromEntries(parsed.settings)).toEqual(listSysctls());
  });

  it('leaves IPv6 forwarding out on hosts without IPv6', () => {
    const keys = parseSysctl(renderSysctlConf({ ipv6: false })).settings.map(([key]) => key);
    expect(keys).not.toContain('net.ipv6.conf.all.forwarding');
    expect(keys).toHaveLength(3);
    expect(Object.keys(listSysctls({ ipv6: false })).sort()).toEqual(keys);
  });
});

describe('renderModulesLoad', () => {
  it('loads overlay and br_netfilter under a managed-by header', () => {
    const parsed = parseModulesLoad(renderModulesLoad());
    expect(parsed.comments[0]).toBe(MANAGED_BY);
    expect(parsed.modules).toEqual(['overlay', 'br_netfilter']);
  });

  it('appends extra modules once and refuses odd names', () => {
    expect(parseModulesLoad(renderModulesLoad({ extraModules: ['wireguard', 'overlay', 'wireguard'] })).modules).toEqual(['overlay', 'br_netfilter', 'wireguard']);
    expect(listKernelModules({ extraModules: ['wireguard'] })).toEqual(['overlay', 'br_netfilter', 'wireguard']);
    expect(() => renderModulesLoad({ extraModules: ['wireguard\nevil'] })).toThrow(/kernel module name/);
  });
});
