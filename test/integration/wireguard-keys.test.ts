import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RealExec } from '../../src/io/exec.js';
import { clampPrivateKey, encodeKey, generatePrivateKey, parseKey, publicKeyFromPrivate } from '../../src/wireguard/keys.js';

/**
 * kjoin's keys against wireguard-tools itself (apt-get install wireguard-tools). In CI a missing `wg` fails
 * the run; elsewhere the suite is skipped and says why.
 */

const exec = new RealExec();
const wgPath = await exec.which('wg');
if (!wgPath && process.env.CI) throw new Error('wg not found: CI must install wireguard-tools');
const title = wgPath ? 'kjoin keys agree with wireguard-tools' : 'kjoin keys agree with wireguard-tools (skipped: wg not installed; apt-get install wireguard-tools)';

async function wgPubkey(privateKey: string): Promise<{ exitCode: number; stdout: string }> {
  return exec.run('wg', ['pubkey'], { input: `${privateKey}\n` });
}

/** Runs `fn` over `items` with a few children at a time: 400 sequential spawns would be slow. */
async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>, size = 16): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe.skipIf(!wgPath)(title, () => {
  it('200 random (unclamped) private keys: `wg pubkey` and publicKeyFromPrivate agree', async () => {
    const keys = Array.from({ length: 200 }, () => encodeKey(randomBytes(32)));
    let compared = 0;
    await inBatches(keys, async (key) => {
      const result = await wgPubkey(key);
      expect(result.exitCode).toBe(0);
      expect(publicKeyFromPrivate(key)).toBe(result.stdout.trim());
      compared++;
    });
    expect(compared).toBe(200);
  });

  it('200 kjoin-generated private keys are accepted by `wg pubkey` with the same public key', async () => {
    const keys = Array.from({ length: 200 }, () => generatePrivateKey());
    expect(new Set(keys).size).toBe(200);
    await inBatches(keys, async (key) => {
      const result = await wgPubkey(key);
      expect(result.exitCode).toBe(0);
      expect(result.stdout.trim()).toBe(publicKeyFromPrivate(key));
    });
  });

  it('`wg genkey` output is already clamped exactly as kjoin clamps', async () => {
    for (let i = 0; i < 20; i++) {
      const { stdout, exitCode } = await exec.run('wg', ['genkey']);
      expect(exitCode).toBe(0);
      const bytes = parseKey(stdout);
      expect(encodeKey(clampPrivateKey(bytes))).toBe(stdout.trim());
    }
  });

  it('`wg pubkey` rejects what parseKey rejects', async () => {
    const key = generatePrivateKey();
    const strayBits = `${key.slice(0, 42)}B=`;
    for (const bad of [key.slice(0, 40), key.replace(/=$/, 'A'), strayBits]) {
      expect(() => parseKey(bad)).toThrow();
      expect((await wgPubkey(bad)).exitCode).not.toBe(0);
    }
  });
});
