import { BlockList, isIP } from 'node:net';
import { KjoinError } from '../errors.js';

/**
 * Proxy settings as read from the environment: absolute proxy URLs (a scheme-less "host:3128" gets
 * "http://") and the raw NO_PROXY list. A proxy URL may carry credentials, so it is never put in a message.
 */
export interface ProxySettings {
  /** Proxy for http:// URLs (HTTP_PROXY). */
  http?: string;
  /** Proxy for https:// URLs (HTTPS_PROXY); like curl and Go, https:// never falls back to HTTP_PROXY. */
  https?: string;
  /** Comma-separated NO_PROXY list, see shouldBypassProxy. */
  noProxy?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY, upper case first then lower case, as Go's net/http (and so the
 * kubelet and containerd) reads them; empty values count as unset.
 */
export function readProxyEnv(env: Env): ProxySettings {
  const settings: ProxySettings = {};
  const http = readFirst(env, 'HTTP_PROXY', 'http_proxy');
  const https = readFirst(env, 'HTTPS_PROXY', 'https_proxy');
  const noProxy = readFirst(env, 'NO_PROXY', 'no_proxy');
  if (http) settings.http = normalizeProxyUrl(http.name, http.value);
  if (https) settings.https = normalizeProxyUrl(https.name, https.value);
  if (noProxy) settings.noProxy = noProxy.value;
  return settings;
}

function readFirst(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function normalizeProxyUrl(name: string, value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // The value itself stays out of the message: it may hold the proxy's password.
    throw new KjoinError('config', `${name} is not a valid proxy URL`, {
      hint: `set ${name} to http://[user:password@]host:port`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KjoinError('config', `${name} uses the unsupported scheme ${url.protocol.replace(':', '')}`, {
      hint: `kjoin speaks to HTTP and HTTPS proxies only: set ${name} to http://host:port`,
    });
  }
  return url.href.replace(/\/$/, '');
}

/** The proxy for one URL, or undefined when it goes direct (no proxy for its scheme, or NO_PROXY matches). */
export function selectProxy(url: string | URL, proxy: ProxySettings): string | undefined {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const chosen = parsed.protocol === 'https:' ? proxy.https : parsed.protocol === 'http:' ? proxy.http : undefined;
  if (!chosen || shouldBypassProxy(parsed, proxy.noProxy)) return undefined;
  return chosen;
}

/**
 * NO_PROXY semantics, as Go's golang.org/x/net/http/httpproxy (the kubelet's and containerd's) so kjoin
 * and the daemons it configures agree on which hosts go direct:
 * - a comma (or space) separated list, case-insensitive; `*` alone bypasses everything;
 * - `example.com` and `*.example.com` match example.com and every subdomain;
 * - `.example.com` matches subdomains only;
 * - IP addresses match exactly, CIDRs (`10.0.0.0/8`, `fd00::/8`) match the IP literals they contain;
 * - `host:port` / `[v6]:port` entries match only that port (the URL's default port counts).
 * Unlike Go, loopback is not bypassed implicitly (as curl): list `127.0.0.1,localhost` to bypass it.
 */
export function shouldBypassProxy(url: string | URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const port = parsed.port || defaultPort(parsed.protocol);
  return splitNoProxy(noProxy).some((entry) => matchesEntry(entry, host, port));
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : protocol === 'http:' ? '80' : '';
}

function splitNoProxy(noProxy: string): string[] {
  return noProxy
    .split(/[,\s]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry.length > 0);
}

function matchesEntry(entry: string, host: string, port: string): boolean {
  if (entry === '*') return true;
  if (entry.includes('/')) return matchesCidr(entry, host);
  const { name, port: entryPort } = splitHostPort(entry);
  if (entryPort !== undefined && entryPort !== port) return false;
  if (isIP(name) !== 0) return isIP(host) !== 0 && sameAddress(name, host);
  if (isIP(host) !== 0) return false;
  const domain = name.replace(/\.$/, '');
  if (domain.startsWith('*.')) return host === domain.slice(2) || host.endsWith(domain.slice(1));
  if (domain.startsWith('.')) return host.endsWith(domain);
  return host === domain || host.endsWith(`.${domain}`);
}

/** `[::1]:8080`, `host:8080`, `10.0.0.1:80`; a bare IPv6 address (several colons) has no port. */
function splitHostPort(entry: string): { name: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, port: bracketed[2] };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [name, port] = entry.split(':') as [string, string];
    return /^\d+$/.test(port) ? { name, port } : { name: entry };
  }
  return { name: entry };
}

function sameAddress(a: string, b: string): boolean {
  const family = isIP(a) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(b) !== isIP(a)) return false;
  const list = new BlockList();
  list.addAddress(a, family);
  return list.check(b, family);
}

function matchesCidr(entry: string, host: string): boolean {
  const [network, prefixText] = entry.split('/') as [string, string];
  const family = isIP(network);
  const prefix = Number(prefixText);
  if (family === 0 || isIP(host) !== family || !/^\d+$/.test(prefixText)) return false;
  if (prefix > (family === 4 ? 32 : 128)) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return list.check(host, type);
}

/** True when a proxy URL embeds credentials, so a file holding it must not be world-readable. */
export function hasProxyCredentials(proxy: ProxySettings): boolean {
  return [proxy.http, proxy.https].some((value) => {
    if (!value) return false;
    try {
      const url = new URL(value);
      return url.username !== '' || url.password !== '';
    } catch {
      return value.includes('@'); // unparsable: assume the worst
    }
  });
}

/**
 * The `Environment=` lines of a systemd drop-in ([Service] section) that give containerd and the kubelet
 * the same proxy as kjoin: upper- and lower-case names, because Go reads the first and many child tools
 * (CNI plugins, shell helpers) only the second. Empty when no proxy is set. Values are double-quoted with
 * `\` and `"` escaped and `%` doubled (systemd specifiers), so URL-encoded passwords survive. When
 * hasProxyCredentials() is true the caller writes the drop-in 0600.
 */
export function renderProxyEnvironment(proxy: ProxySettings): string {
  const pairs: Array<[string, string | undefined]> = [
    ['HTTP_PROXY', proxy.http],
    ['HTTPS_PROXY', proxy.https],
    ['NO_PROXY', proxy.noProxy ? splitNoProxy(proxy.noProxy).join(',') : undefined],
  ];
  const lines: string[] = [];
  for (const [name, value] of pairs) {
    if (!value) continue;
    for (const variable of [name, name.toLowerCase()]) lines.push(renderEnvironmentLine(variable, value));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function renderEnvironmentLine(name: string, value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new KjoinError('config', `${name} contains a line break or NUL`, { hint: `set ${name} to a single-line URL` });
  }
  const escaped = `${name}=${value}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return `Environment="${escaped}"`;
}
