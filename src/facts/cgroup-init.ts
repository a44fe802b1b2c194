import type { FileSystem } from '../io/fs.js';

/**
 * Controllers that /proc/cgroups lists as enabled AND mounted in a v1 hierarchy. On a cgroup v2-only
 * host the file still lists every controller, but with hierarchy 0, so those do not count as v1.
 */
export function parseV1Controllers(procCgroups: string): string[] {
  const names: string[] = [];
  for (const line of procCgroups.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [name, hierarchy, , enabled] = line.trim().split(/\s+/);
    if (name && Number(hierarchy) > 0 && enabled === '1') names.push(name);
  }
  return names;
}

/**
 * 2 when the unified hierarchy is mounted at /sys/fs/cgroup (cgroup.controllers exists there);
 * 1 for legacy or hybrid mounts (kubelet drives v1 controllers on hybrid hosts); null when neither shows.
 */
export async function detectCgroupVersion(fs: FileSystem): Promise<1 | 2 | null> {
  if (await fs.exists('/sys/fs/cgroup/cgroup.controllers')) return 2;
  const procCgroups = await fs.readTextOrNull('/proc/cgroups');
  if (procCgroups !== null && parseV1Controllers(procCgroups).length > 0) return 1;
  if (await fs.exists('/sys/fs/cgroup/cpu')) return 1;
  return null;
}

/** systemd's own test (sd_booted): /run/systemd/system exists; /proc/1/comm covers a host root without /run. */
export async function detectInitSystem(fs: FileSystem): Promise<'systemd' | 'other'> {
  if (await fs.exists('/run/systemd/system')) return 'systemd';
  const comm = await fs.readTextOrNull('/proc/1/comm');
  return comm?.trim() === 'systemd' ? 'systemd' : 'other';
}
