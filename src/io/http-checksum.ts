import { KjoinError } from '../errors.js';
import { redactUrl } from './http-errors.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Lower-case hex of an expected sha256; anything else is a programming or config error, said plainly. */
export function normalizeSha256(value: string, source: string): string {
  const hex = value.trim().toLowerCase();
  if (!SHA256_HEX.test(hex)) {
    throw new KjoinError('config', `${source} is not a sha256 (64 hex digits)`, {
      hint: 'give the checksum as printed by `sha256sum`',
    });
  }
  return hex;
}

/**
 * The sha256 for `fileName` in the body of a checksum file. Accepts what upstreams publish:
 * - a bare "<hex>" (dl.k8s.io's kubelet.sha256, no newline),
 * - "<hex>  file" / "<hex> *file" (GNU sha256sum, one line: CNI plugins, containerd),
 * - a sha256sum list of several files (runc.sha256sum covers every architecture),
 * - BSD "SHA256 (file) = <hex>".
 * A single entry is taken whatever file name it carries (mirrors rename); with several, the one naming
 * `fileName` is taken. Returns null when there is no usable entry.
 */
export function parseSha256File(text: string, fileName: string): string | null {
  const entries: Array<{ hex: string; name?: string }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const gnu = /^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$/.exec(line);
    const bsd = /^SHA256 ?\((.+)\) ?= ?([0-9a-fA-F]{64})$/.exec(line);
    if (gnu) entries.push({ hex: gnu[1]!.toLowerCase(), name: gnu[2] });
    else if (bsd) entries.push({ hex: bsd[2]!.toLowerCase(), name: bsd[1] });
  }
  if (entries.length === 1) return entries[0]!.hex;
  const match = entries.find((entry) => entry.name !== undefined && baseName(entry.name) === fileName);
  return match?.hex ?? null;
}

function baseName(name: string): string {
  return name.trim().replace(/^\.\//, '').split('/').pop() ?? name;
}

/** The last path segment of a URL: the name a checksum list uses for the file. */
export function extractFileName(url: string): string {
  const segment = new URL(url).pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function checksumNotFoundError(sha256Url: string, fileName: string): KjoinError {
  return new KjoinError('step-failed', `no sha256 for ${fileName} in ${redactUrl(sha256Url)}`, {
    hint: 'the checksum file must hold "<hex>" or "<hex>  <file>" lines; with --mirror, copy it from upstream unchanged',
  });
}

export function checksumMismatchError(url: string, expected: string, actual: string): KjoinError {
  return new KjoinError('step-failed', `checksum mismatch for ${redactUrl(url)}: expected ${expected}, got ${actual}`, {
    hint: 'the mirror or download was corrupted or tampered with; nothing was replaced',
  });
}
