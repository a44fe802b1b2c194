import { describeError, isKjoinError } from '../errors.js';
import type { OutputStream } from './io.js';

/** Prints any error as one line (plus detail lines and a hint), never a stack trace. Returns the exit code. */
export function printError(error: unknown, stderr: OutputStream, redact: (text: string) => string = (t) => t): number {
  if (isKjoinError(error)) {
    const where = error.step && !error.message.startsWith(`${error.step}:`) ? `${error.step}: ` : '';
    stderr.write(redact(`kjoin: error: ${where}${error.message}\n`));
    for (const line of error.details) stderr.write(redact(`  ${line}\n`));
    if (error.hint) stderr.write(redact(`hint: ${error.hint}\n`));
    return error.exitCode;
  }
  stderr.write(redact(`kjoin: internal error: ${describeError(error)}\n`));
  stderr.write('hint: this is a bug in kjoin; please report it with the output of kjoin debug\n');
  return 1;
}
