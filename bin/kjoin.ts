#!/usr/bin/env -S node --max-semi-space-size=1 --lite-mode --no-expose-wasm --v8-pool-size=1
import { CommanderError } from 'commander';
import { printError } from '../src/cli/print-error.js';
import { VERSION } from '../src/version.js';

/** The entry point: builds the program, owns the only catch, and is the only place that sets the exit code. */
async function main(): Promise<number> {
  // `kjoin --version` answers before the commands (and their config, HTTP and YAML stacks) are loaded.
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C means now
    process.stderr.write(`\nkjoin: ${signal} received, stopping after the current operation...\n`);
    controller.abort(new Error(signal));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const [{ createCommandEnv }, { buildProgram, commanderExitCode }] = await Promise.all([
    import('../src/cli/command-env.js'),
    import('../src/cli/program.js'),
  ]);
  const env = createCommandEnv({
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isRoot: process.getuid?.() === 0,
    pid: process.pid,
    signal: controller.signal,
  });
  try {
    await buildProgram(env).parseAsync(process.argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    return printError(error, process.stderr);
  }
}

// No top-level await: the single binaries run this file as CommonJS (Node SEA mains cannot be ES modules).
void main().then((code) => {
  process.exitCode = code;
});
