// A local apt repository for `npm run bench`: the .debs a fresh box needs for kjoin's packages, served from the
// host, so apt's downloads take the same time on every round instead of whatever deb.debian.org gives that second.
// Built once with a throwaway box (`apt-get install --download-only`) and kept under the harness directory.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { bootBox, type Box } from '../test/e2e/box/index.js';
import { logBox, resolveBaseDir } from '../test/e2e/box/host.js';

const digest = (algorithm: string, body: Buffer) => createHash(algorithm).update(body).digest('hex');

/** One Packages stanza: the .deb's control fields, then where it is and its hashes, as apt-ftparchive writes them. */
async function describeDeb(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  const control = (await execa('dpkg-deb', ['-f', path])).stdout.trimEnd();
  const body = await readFile(path);
  return `${control}\nFilename: ./${name}\nSize: ${body.length}\nMD5sum: ${digest('md5', body)}\nSHA256: ${digest('sha256', body)}\n`;
}

/** The flat repository (Packages, Release, the .debs) for `packages` on `rootfs`; returns its directory. */
export async function ensureBenchAptRepo(rootfs: string, packages: readonly string[]): Promise<string> {
  const dir = join(resolveBaseDir(), 'bench-apt', digest('sha256', Buffer.from(`${rootfs}\n${[...packages].sort().join(' ')}`)).slice(0, 12));
  if ((await readdir(dir).catch((): string[] => [])).includes('Release')) return dir;
  const started = performance.now();
  const staging = `${dir}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  let box: Box | null = null;
  try {
    box = await bootBox({ rootfs, name: 'bench-apt' });
    const download = await box.exec(['sh', '-c', `apt-get -q update && apt-get install -y -q --download-only --no-install-recommends ${packages.join(' ')}`], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
      timeoutMs: 900_000,
    });
    if (download.exitCode !== 0) throw new Error(`bench apt repo: apt-get --download-only failed: ${download.stderr}`);
    const archives = join(box.rootDir, 'var/cache/apt/archives');
    const debs = (await readdir(archives)).filter((name) => name.endsWith('.deb')).sort();
    for (const name of debs) await copyFile(join(archives, name), join(staging, name));
    const index = (await Promise.all(debs.map((name) => describeDeb(staging, name)))).join('\n');
    await writeFile(join(staging, 'Packages'), index);
    const indexBody = Buffer.from(index);
    await writeFile(join(staging, 'Release'), `Origin: kjoin-bench\nLabel: kjoin-bench\nSuite: bench\nCodename: bench\nDate: ${new Date().toUTCString()}\nSHA256:\n ${digest('sha256', indexBody)} ${indexBody.length} Packages\n`);
  } finally {
    await box?.stop();
  }
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  logBox(`bench apt repository with ${(await readdir(dir)).length - 2} packages in ${dir}, built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/** Points the box's apt at the local repository only (the box's Debian lists stay, with their age). */
export async function useBenchAptRepo(box: Box, url: string): Promise<void> {
  const result = await box.exec(['sh', '-c', `rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* && echo 'deb [trusted=yes] ${url} ./' > /etc/apt/sources.list.d/kjoin-bench.list`]);
  if (result.exitCode !== 0) throw new Error(`pointing ${box.name} at the bench apt repository failed: ${result.stderr}`);
}
