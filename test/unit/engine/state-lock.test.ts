import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE } from '../../../src/engine/lock.js';
import { sha256Hex, STATE_FILE, StateStore } from '../../../src/engine/state.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';

describe('StateStore', () => {
  it('round-trips components and the last run, saved 0600', async () => {
    const fs = new MemoryFileSystem({ '/etc/containerd/config.toml': 'version = 2\n' });
    const state = await StateStore.load(fs);
    expect(state.existed).toBe(false);
    const record = { path: '/etc/containerd/config.toml', sha256: sha256Hex('version = 2\n'), mode: 0o644 };
    state.recordComponent('containerd', { version: '1.7.24', source: 'distro', files: [record], units: ['containerd.service'] }, new Date('2026-11-22T10:00:00Z'));
    state.recordRun({ command: 'join', startedAt: 'a', finishedAt: 'b', result: 'ok' });
    await state.save();
    expect((await fs.stat(STATE_FILE))!.mode).toBe(0o600);

    const again = await StateStore.load(fs);
    expect(again.existed).toBe(true);
    expect(again.component('containerd')).toEqual({
      version: '1.7.24',
      source: 'distro',
      files: [record],
      backups: [],
      packages: [],
      skippedPackages: [],
      units: ['containerd.service'],
      masked: [],
      updatedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(again.snapshot.lastRun?.result).toBe('ok');
    expect(await again.fileMatches(record)).toBe(true);
    fs.put('/etc/containerd/config.toml', 'version = 2\n', 0o600);
    expect(await again.fileMatches(record)).toBe(false); // mode drift counts
    fs.put('/etc/containerd/config.toml', 'version = 3\n', 0o644);
    expect(await again.fileMatches(record)).toBe(false);
  });

  it('explains a damaged state file instead of crashing', async () => {
    const fs = new MemoryFileSystem({ [STATE_FILE]: '{"version": 1, "components": ' });
    await expect(StateStore.load(fs)).rejects.toMatchObject({ code: 'step-failed', hint: expect.stringContaining('move it aside') });
    fs.put(STATE_FILE, '{"version": 7}');
    await expect(StateStore.load(fs)).rejects.toThrow(/version/);
  });
});

describe('acquireLock', () => {
  it('excludes a second live run with exit code 6', async () => {
    const fs = new MemoryFileSystem();
    const lock = await acquireLock(fs, 100, () => true);
    await expect(acquireLock(fs, 200, () => true)).rejects.toMatchObject({ code: 'locked', exitCode: 6, message: expect.stringContaining('PID 100') });
    await lock.release();
    expect(await fs.exists(LOCK_FILE)).toBe(false);
    const next = await acquireLock(fs, 200, () => true);
    await next.release();
  });

  it('takes over a stale lock whose owner was killed', async () => {
    const fs = new MemoryFileSystem({ [LOCK_FILE]: '4242\n' });
    const lock = await acquireLock(fs, 100, (pid) => pid !== 4242);
    expect((await fs.readText(LOCK_FILE)).trim()).toBe('100');
    await lock.release();
  });

  it('does not release a lock it does not own', async () => {
    const fs = new MemoryFileSystem();
    const lock = await acquireLock(fs, 100, () => false);
    fs.put(LOCK_FILE, '300\n');
    await lock.release();
    expect(await fs.exists(LOCK_FILE)).toBe(true);
  });
});
