import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadProgress } from '../../../src/io/http.js';
import { MonotonicProgress, makeTempPath, removeStaleTemps, writeChunksToTemp } from '../../../src/io/http-download.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';

describe('download temp files', () => {
  it('names temp files beside the destination, as fs.writeAtomic does', () => {
    expect(makeTempPath('/usr/local/bin/kubelet')).toMatch(/^\/usr\/local\/bin\/\.kubelet\.kjoin-[0-9a-f]{12}$/);
  });

  it('removes only the stale temp files of the same destination', async () => {
    const fs = new MemoryFileSystem({
      '/usr/local/bin/.kubelet.kjoin-aaaaaaaaaaaa': 'partial',
      '/usr/local/bin/.kubelet.kjoin-bbbbbbbbbbbb': 'partial',
      '/usr/local/bin/.kubectl.kjoin-cccccccccccc': 'another download',
      '/usr/local/bin/kubelet': 'current',
    });
    await removeStaleTemps(fs, '/usr/local/bin/kubelet');
    expect(await fs.readdir('/usr/local/bin')).toEqual(['.kubectl.kjoin-cccccccccccc', 'kubelet']);
  });
});

describe('MonotonicProgress', () => {
  it('never reports going backwards when a retry starts again from zero', () => {
    const seen: DownloadProgress[] = [];
    const progress = new MonotonicProgress((p) => seen.push(p));
    for (const done of [0, 10, 20, 0, 10, 20, 30]) progress.update(done, 30);
    expect(seen.map((p) => p.bytesDone)).toEqual([0, 10, 20, 30]);
  });
});

describe('writeChunksToTemp', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kjoin-dl-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function* chunks(parts: string[], failAfter?: number): AsyncIterable<Buffer> {
    for (const [i, part] of parts.entries()) {
      if (i === failAfter) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      yield Buffer.from(part);
    }
  }

  it('hashes while writing, with the exact mode whatever the umask', async () => {
    const temp = join(dir, '.kubelet.kjoin-000000000000');
    const done: number[] = [];
    const previous = process.umask(0o077);
    try {
      const written = await writeChunksToTemp(chunks(['kube', 'let']), temp, 0o755, (n) => done.push(n));
      expect(written).toEqual({ sha256: createHash('sha256').update('kubelet').digest('hex'), bytes: 7 });
    } finally {
      process.umask(previous);
    }
    expect(await readFile(temp, 'utf8')).toBe('kubelet');
    expect((await stat(temp)).mode & 0o777).toBe(0o755);
    expect(done).toEqual([4, 7]);
  });

  it('removes the temp file when the stream fails', async () => {
    const temp = join(dir, '.kubelet.kjoin-111111111111');
    await expect(writeChunksToTemp(chunks(['a', 'b', 'c'], 2), temp, 0o755, () => undefined)).rejects.toThrow('ECONNRESET');
    expect(await readdir(dir)).toEqual([]);
  });
});
