#!/usr/bin/env -S node --max-semi-space-size=1 --lite-mode --no-expose-wasm --v8-pool-size=1
import { CommanderError } from 'commander';
import { createCommandEnv } from '../src/cli/command-env.js';
import { printError } from '../src/cli/print-error.js';
import { buildProgram, commanderExitCode } from '../src/cli/program.js';

/** The entry point: builds the program, owns the only catch, and is the only place that sets the exit code. */
async function main(): Promise<number> {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C means now
    process.stderr.write(`\nkjoin: ${signal} received, stopping after the current operation...\n`);
    controller.abort(new Error(signal));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

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
