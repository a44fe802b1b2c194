import { isIP } from 'node:net';
import { configError } from './common.js';

/**
 * Input checks shared by the renderers. Messages name the field, never its value when the value may be a
 * secret (callers pass `secret: true`).
 */

/** Control characters (including newlines) would let a value break out of its line in any of our formats. */
const CONTROL = /[\u0000-\u001f\u007f]/;

export function requireText(field: string, value: string, opts: { secret?: boolean } = {}): string {
  if (value.trim() === '') throw configError(`${field} is empty`, `set ${field}`);
  if (CONTROL.test(value)) {
    const shown = opts.secret ? '' : `: ${JSON.stringify(value)}`;
    throw configError(`${field} contains a control character or line break${shown}`, `check ${field} for a stray newline`);
  }
  return value;
}

export function requireAbsolutePath(field: string, value: string): string {
  requireText(field, value);
  if (!value.startsWith('/') || /\s/.test(value)) {
    throw configError(`${field} must be an absolute path without spaces, got ${JSON.stringify(value)}`, 'use a path such as /etc/kubernetes/kubelet.conf');
  }
  return value;
}

export function requireIp(field: string, value: string): string {
  if (isIP(value) === 0) throw configError(`${field} is not an IP address: ${JSON.stringify(value)}`, 'use an address such as 10.96.0.10 or fd00::a');
  return value;
}

/** "10.4.0.1/16" or "fd00::1/64"; the prefix length is checked against the address family. */
export function requireCidr(field: string, value: string): string {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  const length = Number(prefix);
  if (family === 0 || rest.length > 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix) || length > max) {
    throw configError(`${field} is not an address with a prefix length: ${JSON.stringify(value)}`, 'use CIDR notation such as 10.4.0.1/16');
  }
  return value;
}

export function requirePort(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw configError(`${field} must be a port number between 1 and 65535, got ${value}`, 'WireGuard conventionally listens on 51820');
  }
  return value;
}

/**
 * http(s) URL with a host and no whitespace. A URL that may carry credentials (user:password@, as proxy
 * URLs do) is never echoed in the message.
 */
export function requireUrl(field: string, value: string, protocols: readonly string[] = ['https:']): URL {
  requireText(field, value, { secret: value.includes('@') });
  const shown = value.includes('@') ? '' : `, got ${JSON.stringify(value)}`;
  const hint = `use ${protocols.map((p) => `${p}//HOST`).join(' or ')}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${field} is not a URL${shown}`, hint);
  }
  if (!protocols.includes(url.protocol) || url.hostname === '' || /\s/.test(value)) {
    throw configError(`${field} must be an ${protocols.map((p) => `${p}//`).join(' or ')} URL with a host${shown}`, hint);
  }
  return url;
}

/** DNS-1123 subdomain, the rule for node names. */
export function requireDnsSubdomain(field: string, value: string): string {
  const label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
  if (value.length > 253 || !new RegExp(`^${label}(\\.${label})*$`).test(value)) {
    throw configError(`${field} is not a valid Kubernetes node name: ${JSON.stringify(value)}`, 'use lowercase letters, digits, "-" and "." (at most 253 characters)');
  }
  return value;
}
