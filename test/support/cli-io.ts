import type { CliIo } from '../../src/cli/io.js';

export interface CapturedIo {
  io: CliIo;
  /** Everything the command wrote to standard output so far. */
  stdout(): string;
  stderr(): string;
}

/**
 * A CliIo for running commands in-process: output collected in strings, an empty environment, not root, a signal
 * nobody aborts, unless `overrides` says otherwise.
 */
export function captureIo(overrides: Partial<Omit<CliIo, 'stdout' | 'stderr'>> = {}): CapturedIo {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env: {},
    isRoot: false,
    pid: 4242,
    signal: new AbortController().signal,
    ...overrides,
  };
  return { io, stdout: () => stdout, stderr: () => stderr };
}
