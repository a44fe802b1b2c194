/**
 * Age of the dnf/yum repository metadata. Only files the package manager writes locally count (libsolv
 * caches, yum's cachecookie), never repomd.xml whose time may come from the mirror. When nothing is found
 * the cache counts as stale: `dnf makecache` is cheap when dnf itself still considers it fresh.
 */
import type { FileSystem } from '../io/fs.js';
import { findNewestMtime } from './cache-age.js';

/** dnf4 keeps <repo>.solv in /var/cache/dnf; "@System.solv" mirrors the rpmdb, not the repositories. */
async function listDnf4Markers(fs: FileSystem): Promise<string[]> {
  const names = await fs.readdir('/var/cache/dnf');
  return names.filter((name) => name.endsWith('.solv') && !name.startsWith('@')).map((name) => `/var/cache/dnf/${name}`);
}

/** dnf5 keeps one directory per repository with its libsolv cache under solv/. */
async function listDnf5Markers(fs: FileSystem): Promise<string[]> {
  const markers: string[] = [];
  for (const repo of await fs.readdir('/var/cache/libdnf5')) {
    for (const name of await fs.readdir(`/var/cache/libdnf5/${repo}/solv`)) {
      if (name.endsWith('.solv')) markers.push(`/var/cache/libdnf5/${repo}/solv/${name}`);
    }
  }
  return markers;
}

/** yum touches <basearch>/<releasever>/<repo>/cachecookie whenever it checks a repository's metadata. */
async function listYumMarkers(fs: FileSystem): Promise<string[]> {
  const markers: string[] = [];
  for (const arch of await fs.readdir('/var/cache/yum')) {
    for (const release of await fs.readdir(`/var/cache/yum/${arch}`)) {
      for (const repo of await fs.readdir(`/var/cache/yum/${arch}/${release}`)) {
        markers.push(`/var/cache/yum/${arch}/${release}/${repo}/cachecookie`);
      }
    }
  }
  return markers;
}

/** Milliseconds since the metadata was last refreshed, or null when there is no cache at all. */
export async function measureRpmCacheAge(fs: FileSystem, tool: 'dnf' | 'yum', nowMs: number): Promise<number | null> {
  const markers =
    tool === 'yum' ? await listYumMarkers(fs) : [...(await listDnf4Markers(fs)), ...(await listDnf5Markers(fs))];
  const newest = await findNewestMtime(fs, markers);
  return newest === null ? null : Math.max(0, nowMs - newest);
}
