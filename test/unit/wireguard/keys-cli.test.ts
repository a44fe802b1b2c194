import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createCommandEnv } from '../../../src/cli/command-env.js';
import { registerKeys } from '../../../src/cli/keys.js';
import { KjoinError } from '../../../src/errors.js';
import { publicKeyFromPrivate } from '../../../src/wireguard/keys.js';
import { captureIo } from '../../support/cli-io.js';
import { describeVectors, noteVectorsMissing, readVectors, vectorsPresent } from '../config/upstream-vectors.js';

async function runKeys(args: string[], stdin?: string): Promise<{ stdout: string; error: unknown }> {
  const { io, stdout } = captureIo(stdin === undefined ? {} : { stdin: async () => stdin });
  const program = new Command('kjoin').exitOverride();
  registerKeys(program, createCommandEnv(io));
  try {
    await program.parseAsync(['keys', ...args], { from: 'user' });
    return { stdout: stdout(), error: undefined };
  } catch (error) {
    return { stdout: stdout(), error };
  }
}

describe('kjoin keys', () => {
  it('generate prints one fresh clamped private key per run', async () => {
    const first = await runKeys(['generate']);
    const second = await runKeys(['generate']);
    expect(first.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(second.stdout).not.toBe(first.stdout);
    const bytes = Buffer.from(first.stdout.trim(), 'base64');
    expect(bytes[0]! & 7).toBe(0);
    expect(bytes[31]! & 0xc0).toBe(0x40);
  });

  it('pubkey turns a generated key into its public key, like `wg genkey | wg pubkey`', async () => {
    const privateKey = (await runKeys(['generate'])).stdout;
    const result = await runKeys(['pubkey'], privateKey);
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe(`${publicKeyFromPrivate(privateKey)}\n`);
  });

  it('pubkey refuses input that is not a key with a one-line usage error that does not repeat it', async () => {
    const input = 'not-a-key-but-maybe-a-secret\n';
    const result = await runKeys(['pubkey'], input);
    expect(result.stdout).toBe('');
    expect(result.error).toBeInstanceOf(KjoinError);
    const error = result.error as KjoinError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('the private key on standard input has the wrong length: 28 characters instead of 44');
    expect(error.message).not.toContain('secret');
  });
});

interface X25519 {
  rfc7748_section_6_1: Record<'alice_private' | 'alice_public', { base64: string }>;
}
const vectors = vectorsPresent ? readVectors<X25519>('x25519.json') : undefined;

describe.skipIf(!vectors)(describeVectors('x25519.json (kjoin keys pubkey)'), () => {
  if (!vectors) return noteVectorsMissing();
  it('prints the RFC 7748 public key for the RFC private key', async () => {
    const { alice_private, alice_public } = vectors.rfc7748_section_6_1;
    expect((await runKeys(['pubkey'], `${alice_private.base64}\n`)).stdout).toBe(`${alice_public.base64}\n`);
  });
});
