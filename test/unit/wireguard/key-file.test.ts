import { describe, expect, it } from 'vitest';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { KILO_KEY_PATH, ensurePrivateKey, readPrivateKey } from '../../../src/wireguard/key-file.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../../src/wireguard/keys.js';

const fixed = (byte: number) => () => new Uint8Array(32).fill(byte);

describe('ensurePrivateKey', () => {
  it("creates Kilo's key file 0600, atomically, and returns only the public key", async () => {
    const fs = new MemoryFileSystem();
    const result = await ensurePrivateKey(fs, undefined, { random: fixed(0x11) });
    const written = await fs.readText(KILO_KEY_PATH);
    const privateKey = written.trim();
    expect(KILO_KEY_PATH).toBe('/var/lib/kilo/key');
    expect(written).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(fs.writes).toEqual([{ path: KILO_KEY_PATH, mode: 0o600 }]);
    expect(result).toEqual({ publicKey: publicKeyFromPrivate(privateKey), created: true, rotated: false, repairedMode: null });
    expect(JSON.stringify(result)).not.toContain(privateKey);
    expect(fs.dirs.has('/var/lib/kilo')).toBe(true);
  });

  it('never overwrites an existing key', async () => {
    const existing = generatePrivateKey();
    const fs = new MemoryFileSystem({ [KILO_KEY_PATH]: { content: `${existing}\n`, mode: 0o600 } });
    const result = await ensurePrivateKey(fs, KILO_KEY_PATH, { random: fixed(0x22) });
    expect(result).toEqual({ publicKey: publicKeyFromPrivate(existing), created: false, rotated: false, repairedMode: null });
    expect(fs.writes).toEqual([]);
    expect(await fs.readText(KILO_KEY_PATH)).toBe(`${existing}\n`);
  });

  it('rewrites a key readable by others with mode 0600 and reports the old mode', async () => {
    const existing = generatePrivateKey();
    const fs = new MemoryFileSystem({ [KILO_KEY_PATH]: { content: existing, mode: 0o644 } });
    const result = await ensurePrivateKey(fs);
    expect(result).toMatchObject({ publicKey: publicKeyFromPrivate(existing), created: false, repairedMode: 0o644 });
    expect(fs.writes).toEqual([{ path: KILO_KEY_PATH, mode: 0o600 }]);
    expect((await fs.readText(KILO_KEY_PATH)).trim()).toBe(existing);
  });

  it('replaces the key only when asked to rotate', async () => {
    const existing = generatePrivateKey();
    const fs = new MemoryFileSystem({ '/srv/wg/key': { content: existing, mode: 0o600 } });
    const result = await ensurePrivateKey(fs, '/srv/wg/key', { rotate: true, random: fixed(0x33) });
    const replaced = (await fs.readText('/srv/wg/key')).trim();
    expect(replaced).not.toBe(existing);
    expect(result).toEqual({ publicKey: publicKeyFromPrivate(replaced), created: false, rotated: true, repairedMode: null });
    expect(fs.writes).toEqual([{ path: '/srv/wg/key', mode: 0o600 }]);
  });

  it('refuses a file that holds no key, naming the file but not its content', async () => {
    const garbage = 'c2VjcmV0LW5vdC1hLWtleQ==';
    const fs = new MemoryFileSystem({ [KILO_KEY_PATH]: { content: garbage, mode: 0o600 } });
    const error = await ensurePrivateKey(fs).then(
      () => null,
      (e: unknown) => e as Error & { code: string; hint: string },
    );
    expect(error?.code).toBe('config');
    expect(error?.message).toMatch(/\/var\/lib\/kilo\/key has the wrong length/);
    expect(error?.message).not.toContain(garbage);
    expect(error?.hint).toMatch(/move \/var\/lib\/kilo\/key aside/);
    expect(fs.writes).toEqual([]);
  });
});

describe('readPrivateKey', () => {
  it('returns the key without its newline, or null when there is none', async () => {
    const key = generatePrivateKey();
    expect(await readPrivateKey(new MemoryFileSystem({ [KILO_KEY_PATH]: `${key}\n` }))).toBe(key);
    expect(await readPrivateKey(new MemoryFileSystem())).toBeNull();
    const dir = new MemoryFileSystem();
    await dir.mkdir(KILO_KEY_PATH, 0o700);
    await expect(readPrivateKey(dir)).rejects.toThrow(/not a regular file/);
  });
});
