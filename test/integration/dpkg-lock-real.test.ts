/**
 * findLockHolders against the real kernel: a process holding a lock on a file, found through /proc/locks and the
 * file's device and inode (no fuser, no stat process), as kjoin finds unattended-upgrades holding the dpkg lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeExec } from '../../src/io/exec.js';
import { NodeFileSystem } from '../../src/io/fs.js';
import { findLockHolders } from '../../src/platform/dpkg-lock.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** flock(1) holding `file` until killed; resolves once /proc/locks shows its lock. */
async function holdLock(file: string): Promise<ChildProcess> {
  const holder = spawn('flock', ['--exclusive', file, 'sleep', '60'], { stdio: 'ignore' });
  cleanups.push(() => holder.kill('SIGKILL'));
  const fs = new NodeFileSystem('/');
  for (let i = 0; i < 100; i++) {
    if ((await fs.readText('/proc/locks')).includes(` ${holder.pid} `)) return holder;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('flock did not take its lock');
}

describe('findLockHolders on this machine', () => {
  it('names the process holding a lock file and ignores the free one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kjoin-lock-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const held = join(dir, 'lock-frontend');
    const free = join(dir, 'lock');
    writeFileSync(held, '');
    writeFileSync(free, '');
    const exec = new FakeExec();
    const ports = { exec, fs: new NodeFileSystem('/') };
    expect(await findLockHolders(ports, [held, free])).toEqual([]);

    const holder = await holdLock(held);

    expect(await findLockHolders(ports, [free, held])).toEqual([{ pid: holder.pid, name: 'flock', lockFile: held }]);
    expect(exec.calls).toEqual([]);
  });
});
