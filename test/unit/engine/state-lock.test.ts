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

  it('writes saves one after another, so saves of steps running side by side end with the latest record', async () => {
    const fs = new MemoryFileSystem();
    // The first write is slow (a busy disk), the second quick: unordered, the older record would land last.
    const writeAtomic = fs.writeAtomic.bind(fs);
    let writes = 0;
    let firstWriting!: () => void;
    const firstStarted = new Promise<void>((resolve) => (firstWriting = resolve));
    fs.writeAtomic = async (file, content, mode) => {
      if (writes++ === 0) {
        firstWriting();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return writeAtomic(file, content, mode);
    };
    const state = StateStore.empty(fs);
    const now = new Date('2026-11-22T10:00:00Z');
    state.recordComponent('kubelet', { version: '1.31.2' }, now);
    const first = state.save();
    await firstStarted;
    state.recordComponent('cni', { version: '1.5.1' }, now);
    await Promise.all([first, state.save()]);

    expect(Object.keys((await StateStore.load(fs)).snapshot.components)).toEqual(['kubelet', 'cni']);
  });

  it('keeps components in the order of the join, whatever order they were recorded in', async () => {
    const fs = new MemoryFileSystem();
    const state = StateStore.empty(fs);
    const now = new Date('2026-11-22T10:00:00Z');
    state.recordComponent('kubelet', {}, now);
    state.recordComponent('custom', {}, now);
    state.orderComponents(['packages', 'containerd', 'kubelet']);
    state.recordComponent('containerd', {}, now);
    state.recordComponent('packages', {}, now);
    await state.save();

    expect(Object.keys((await StateStore.load(fs)).snapshot.components)).toEqual(['packages', 'containerd', 'kubelet', 'custom']);
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
