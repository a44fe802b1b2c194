import { X509Certificate } from 'node:crypto';
import type { FileSystem } from '../io/fs.js';
import { PATHS } from '../render/paths.js';

/**
 * Which Node object is this host? The kubelet's client certificate says it for sure (CN system:node:<name>,
 * the only node NodeRestriction lets it delete); without one, the name the register step recorded, the name
 * kjoin gave the kubelet in its drop-in (--hostname-override), else the hostname, lower-cased as the kubelet does.
 */

const NODE_USER_PREFIX = 'system:node:';

/** The node name in a kubelet client certificate, or null when it is not a node certificate. */
export function readNodeNameFromCert(certPem: string): string | null {
  let subject: string;
  try {
    subject = new X509Certificate(certPem).subject;
  } catch {
    return null;
  }
  const cn = subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3);
  return cn?.startsWith(NODE_USER_PREFIX) ? cn.slice(NODE_USER_PREFIX.length) || null : null;
}

/** --hostname-override from kjoin's kubelet drop-in, or null. */
export function readNodeNameFromDropIn(dropIn: string): string | null {
  return /--hostname-override=([a-z0-9.-]+)/.exec(dropIn)?.[1] ?? null;
}

/** The host's name as the kubelet reads it (the kernel's, else /etc/hostname), lower-cased. */
export async function readHostname(fs: FileSystem): Promise<string | null> {
  for (const file of ['/proc/sys/kernel/hostname', '/etc/hostname']) {
    const name = (await fs.readTextOrNull(file))?.split('\n')[0]?.trim();
    if (name) return name.toLowerCase();
  }
  return null;
}

export async function resolveNodeName(fs: FileSystem, known: { certPem: string | null; recorded: string | null }): Promise<string | null> {
  const fromCert = known.certPem ? readNodeNameFromCert(known.certPem) : null;
  if (fromCert) return fromCert;
  if (known.recorded) return known.recorded;
  const dropIn = await fs.readTextOrNull(PATHS.kubeletDropIn);
  return (dropIn ? readNodeNameFromDropIn(dropIn) : null) ?? (await readHostname(fs));
}
