import type { Command } from 'commander';
import { KjoinError } from '../errors.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../wireguard/keys.js';
import type { CommandEnv } from './command-env.js';

/** Private keys are at most 44 characters; anything much longer on stdin is not a key, so stop reading. */
const MAX_STDIN_BYTES = 4096;

/** The whole of process.stdin, for when the entry point did not provide CliIo.stdin. */
async function readProcessStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new KjoinError('usage', 'kjoin keys pubkey reads a private key on standard input', { hint: 'kjoin keys generate | kjoin keys pubkey' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `kjoin keys generate` and `kjoin keys pubkey`: drop-in replacements for `wg genkey` and `wg pubkey`, so a
 * host without wireguard-tools can still make its key pair (`umask 077; kjoin keys generate > key`).
 */
export function registerKeys(program: Command, env: CommandEnv): void {
  const keys = program
    .command('keys')
    .description('make WireGuard keys, like `wg genkey` and `wg pubkey`')
    .addHelpText('after', '\nExamples:\n  umask 077; kjoin keys generate > private.key\n  kjoin keys pubkey < private.key\n');

  keys
    .command('generate')
    .description('print a new WireGuard private key (base64, clamped like `wg genkey`)')
    .addHelpText('after', '\nExamples:\n  umask 077; kjoin keys generate > private.key\n  kjoin keys generate | tee private.key | kjoin keys pubkey > public.key\n')
    .action(() => {
      env.io.stdout.write(`${generatePrivateKey()}\n`);
    });

  keys
    .command('pubkey')
    .description('read a private key on standard input and print its public key (like `wg pubkey`)')
    .addHelpText('after', '\nExamples:\n  kjoin keys pubkey < /var/lib/kilo/key\n  kjoin keys generate | kjoin keys pubkey\n')
    .action(async () => {
      const text = await (env.io.stdin ?? readProcessStdin)();
      // parseKey's message says what is wrong (length, alphabet) and never repeats the input.
      env.io.stdout.write(`${publicKeyFromPrivate(text, 'the private key on standard input')}\n`);
    });
}
