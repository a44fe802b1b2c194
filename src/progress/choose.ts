/**
 * Picks the view for `--output`: spinners only on a real terminal that is not CI and not TERM=dumb (where
 * redraws would fill the log with frames), plain lines everywhere else (cloud-init, journald, pipes), NDJSON
 * only when asked for.
 */
import { KjoinError } from '../errors.js';
import type { Renderer } from './events.js';
import type { TextSink } from './format.js';
import { JsonRenderer } from './render-json.js';
import { PlainRenderer } from './render-plain.js';

export const OUTPUT_MODES = ['tty', 'plain', 'json'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export type Env = Readonly<Record<string, string | undefined>>;

/** Validates a user-given --output value; undefined means "choose for me". */
export function parseOutputMode(value: string | undefined): OutputMode | undefined {
  if (value === undefined) return undefined;
  if ((OUTPUT_MODES as readonly string[]).includes(value)) return value as OutputMode;
  throw new KjoinError('usage', `--output must be tty, plain or json (got "${value}")`, {
    hint: 'omit --output to pick tty on a terminal and plain lines otherwise',
  });
}

/** True when the environment says "a CI system runs me" (CI=true, CI=1...; CI=false and CI=0 do not count). */
export function detectCi(env: Env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** A terminal kjoin may animate on. */
export function detectInteractive(stream: TextSink, env: Env): boolean {
  return stream.isTTY === true && !detectCi(env) && env['TERM'] !== 'dumb';
}

/** The output mode for a run: the asked one, else tty on an interactive terminal and plain otherwise. */
export function chooseOutputMode(output: string | undefined, stream: TextSink, env: Env): OutputMode {
  return parseOutputMode(output) ?? (detectInteractive(stream, env) ? 'tty' : 'plain');
}

/** Async because the terminal view (ora) is loaded only when chosen: cloud-init and --output json runs never pay for it. */
export async function chooseRenderer(output: string | undefined, stream: TextSink, env: Env): Promise<Renderer> {
  const mode = chooseOutputMode(output, stream, env);
  if (mode === 'json') return new JsonRenderer(stream);
  if (mode === 'plain') return new PlainRenderer(stream);
  // An explicit --output tty on a pipe still gets symbol lines, just no animation.
  const interactive = detectInteractive(stream, env);
  const { TtyRenderer } = await import('./render-tty.js');
  return new TtyRenderer({
    stream,
    interactive,
    color: interactive && (env['NO_COLOR'] ?? '') === '',
    unicode: env['TERM'] !== 'linux',
  });
}
