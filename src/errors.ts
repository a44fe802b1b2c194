/**
 * kjoin's few typed errors. Every error carries a code (which maps to a documented exit code) and a hint
 * telling the operator what to do next. Only bin/kjoin.ts turns them into an exit code.
 */

export const EXIT_CODES = {
  ok: 0,
  'step-failed': 1,
  usage: 2,
  config: 2,
  preflight: 3,
  refused: 4,
  timeout: 5,
  locked: 6,
  interrupted: 130,
} as const;

export type ErrorCode = Exclude<keyof typeof EXIT_CODES, 'ok'>;

/** One row per exit code, for --help and the README. */
export const EXIT_CODE_TABLE: ReadonlyArray<{ code: number; meaning: string }> = [
  { code: 0, meaning: 'done (or nothing to change)' },
  { code: 1, meaning: 'a step failed (the message names the step, the cause and a hint)' },
  { code: 2, meaning: 'usage or configuration error (flags, YAML, env)' },
  { code: 3, meaning: 'a preflight check failed' },
  { code: 4, meaning: 'the control plane refused kjoin (credentials, CA pin, not found)' },
  { code: 5, meaning: 'timed out waiting for the node to be Ready' },
  { code: 6, meaning: 'another kjoin run holds the lock' },
  { code: 130, meaning: 'interrupted by SIGINT/SIGTERM between steps (run the same command again to resume)' },
];

export interface KjoinErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra lines printed under the message (e.g. one per config issue). */
  details?: string[];
  /** Step that failed, when raised by the runner. */
  step?: string;
}

export class KjoinError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details: string[];
  readonly step?: string;

  constructor(code: ErrorCode, message: string, options: KjoinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KjoinError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.step = options.step;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function isKjoinError(error: unknown): error is KjoinError {
  return error instanceof KjoinError;
}

/** A one-line description of any thrown value, never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
