import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../../src/io/fs.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kjoin-fs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('NodeFileSystem', () => {
  it('resolves host paths under the host root', async () => {
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/os-release'), 'ID=debian\n');
    const fs = new NodeFileSystem(root);
    expect(await fs.readText('/etc/os-release')).toBe('ID=debian\n');
    expect(await fs.readTextOrNull('/etc/missing')).toBeNull();
    expect(await fs.readdir('/etc')).toEqual(['os-release']);
    expect(() => fs.resolve('relative/path')).toThrow(/absolute/);
  });

  it('writes atomically with the exact mode, leaving no temp file', async () => {
    const fs = new NodeFileSystem(root);
    const previous = process.umask(0o022);
    try {
      await fs.writeAtomic('/etc/kubernetes/bootstrap-kubelet.conf', 'secret-ish\n', 0o600);
      await fs.writeAtomic('/etc/kubernetes/bootstrap-kubelet.conf', 'replaced\n', 0o600);
      await fs.writeAtomic('/usr/local/bin/tool', '#!/bin/sh\n', 0o755);
    } finally {
      process.umask(previous);
    }
    expect((await stat(join(root, 'etc/kubernetes/bootstrap-kubelet.conf'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, 'usr/local/bin/tool'))).mode & 0o777).toBe(0o755);
    expect(await fs.readText('/etc/kubernetes/bootstrap-kubelet.conf')).toBe('replaced\n');
    expect(await readdir(join(root, 'etc/kubernetes'))).toEqual(['bootstrap-kubelet.conf']);
  });

  it('creates a file exclusively once', async () => {
    const fs = new NodeFileSystem(root);
    expect(await fs.createExclusive('/run/kjoin/lock', '1\n', 0o644)).toBe(true);
    expect(await fs.createExclusive('/run/kjoin/lock', '2\n', 0o644)).toBe(false);
    expect(await fs.readText('/run/kjoin/lock')).toBe('1\n');
  });

  it('reports free bytes from the nearest existing parent', async () => {
    const fs = new NodeFileSystem(root);
    const free = await fs.freeBytes('/var/lib/does/not/exist');
    expect(free).toBeGreaterThan(0);
  });
});
