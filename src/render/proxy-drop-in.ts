import { configError, renderHashHeader } from './common.js';
import { renderEnvironmentLine } from './systemd-quote.js';
import { requireText, requireUrl } from './validate.js';

/**
 * 20-kjoin-proxy.conf for kubelet and containerd: both are Go programs and read HTTP_PROXY/HTTPS_PROXY/
 * NO_PROXY. The lowercase names are set too, for the non-Go helpers they spawn (credential providers, CNI
 * plugins calling curl). Proxy URLs may carry credentials, so the step should write this file 0600 when
 * `proxyHasCredentials` says so (systemd reads drop-ins as root either way).
 */

export interface ProxyInput {
  http?: string;
  https?: string;
  /** Comma-separated hosts, domains and CIDRs; whitespace around entries is dropped, duplicates removed. */
  noProxy?: string;
}

export function proxyHasCredentials(input: ProxyInput): boolean {
  return [input.http, input.https].some((url) => url !== undefined && url.includes('@'));
}

function normaliseNoProxy(noProxy: string): string {
  requireText('proxy.noProxy', noProxy);
  const entries = noProxy.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    if (/[\s"'\\]/.test(entry)) throw configError(`proxy.noProxy entry ${JSON.stringify(entry)} contains whitespace or a quote`, 'separate entries with commas only');
  }
  return [...new Set(entries)].join(',');
}

export function renderProxyDropIn(input: ProxyInput): string {
  if (input.http === undefined && input.https === undefined) {
    throw configError('a proxy drop-in needs proxy.http or proxy.https', 'set proxy.http and/or proxy.https, or do not write the proxy drop-in');
  }
  const variables: Array<[string, string]> = [];
  if (input.http !== undefined) {
    requireUrl('proxy.http', input.http, ['http:', 'https:']);
    variables.push(['HTTP_PROXY', input.http]);
  }
  if (input.https !== undefined) {
    requireUrl('proxy.https', input.https, ['http:', 'https:']);
    variables.push(['HTTPS_PROXY', input.https]);
  }
  if (input.noProxy !== undefined) variables.push(['NO_PROXY', normaliseNoProxy(input.noProxy)]);

  const lines = [renderHashHeader().trimEnd(), '[Service]'];
  for (const [name, value] of variables) lines.push(renderEnvironmentLine(name, value));
  for (const [name, value] of variables) lines.push(renderEnvironmentLine(name.toLowerCase(), value));
  return `${lines.join('\n')}\n`;
}
