import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { logBox, resolveBaseDir } from './host.js';

/**
 * Real containerd and runc executables for the upstream-release e2e: no GitHub release is reachable here, so the
 * mirror double packs Debian's own builds (containerd, its runc v2 shim, ctr; runc) into a release-shaped tarball.
 * They are fetched with `apt-get download` once and kept under the harness directory.
 */
export type DebianRuntimeBinaries = {
  containerd: Buffer;
  'containerd-shim-runc-v2': Buffer;
  ctr: Buffer;
  runc: Buffer;
};

const MEMBERS: Array<[keyof DebianRuntimeBinaries, string]> = [
  ['containerd', 'usr/bin/containerd'],
  ['containerd-shim-runc-v2', 'usr/bin/containerd-shim-runc-v2'],
  ['ctr', 'usr/bin/ctr'],
  ['runc', 'usr/sbin/runc'],
];

async function readAll(dir: string): Promise<DebianRuntimeBinaries> {
  const entries = await Promise.all(MEMBERS.map(async ([name]) => [name, await readFile(join(dir, name))] as const));
  return Object.fromEntries(entries) as unknown as DebianRuntimeBinaries;
}

/** The host's Debian containerd and runc packages, unpacked once (amd64, the host's arch). */
export async function ensureDebianRuntimeBinaries(): Promise<DebianRuntimeBinaries> {
  const dir = join(resolveBaseDir(), 'debian-runtime-amd64');
  try {
    const present = await readdir(dir);
    if (MEMBERS.every(([name]) => present.includes(name))) return await readAll(dir);
  } catch {
    // not fetched yet
  }
  const started = performance.now();
  await mkdir(resolveBaseDir(), { recursive: true });
  const work = await mkdtemp(join(resolveBaseDir(), '.debian-runtime-'));
  try {
    await execa('apt-get', ['download', '-q', 'containerd', 'runc'], { cwd: work });
    for (const deb of (await readdir(work)).filter((name) => name.endsWith('.deb'))) {
      await execa('dpkg-deb', ['-x', join(work, deb), join(work, 'root')]);
    }
    const staged = join(work, 'out');
    await mkdir(staged);
    for (const [name, path] of MEMBERS) await rename(join(work, 'root', path), join(staged, name));
    await rm(dir, { recursive: true, force: true });
    await rename(staged, dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  logBox(`Debian containerd and runc unpacked into ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return readAll(dir);
}
