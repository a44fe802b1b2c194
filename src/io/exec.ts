import { execa } from 'execa';

export interface ExecOptions {
  /** Written to the child's stdin; the way to hand a secret to a child without putting it in argv. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  cwd?: string;
  /**
   * Called with each output line while the child runs (the result still holds the whole output), so long
   * commands such as apt-get can report progress as it happens.
   */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Called once the child process runs (not when it could not be started). */
  onSpawn?: () => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The process port. `run` never throws on a non-zero exit; callers decide what a failure means. */
export interface Exec {
  run(command: string, args: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Absolute path of an executable on PATH, or null. */
  which(command: string): Promise<string | null>;
}

export class RealExec implements Exec {
  async run(command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const subprocess = execa(command, args, {
      reject: false,
      input: options.input,
      env: options.env,
      timeout: options.timeoutMs,
      cwd: options.cwd,
      stripFinalNewline: true,
      ...(options.onLine ? createLineTaps(options.onLine) : {}),
    });
    if (options.onSpawn) subprocess.once('spawn', options.onSpawn);
    const result = await subprocess;
    const exitCode = result.exitCode ?? (result.failed ? 127 : 0);
    return { exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? result.message ?? '') };
  }

  async which(command: string): Promise<string | null> {
    const dirs = (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':');
    const { access, constants } = await import('node:fs/promises');
    for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
      if (!dir) continue;
      try {
        await access(`${dir}/${command}`, constants.X_OK);
        return `${dir}/${command}`;
      } catch {
        // not in this directory
      }
    }
    return null;
  }
}

/** execa line transforms that pass every line through unchanged after showing it to `onLine`. */
function createLineTaps(onLine: NonNullable<ExecOptions['onLine']>) {
  const tap = (stream: 'stdout' | 'stderr') =>
    function* (line: unknown) {
      onLine(stream, String(line));
      yield line;
    };
  return { stdout: tap('stdout'), stderr: tap('stderr') };
}

export type FakeHandler = (args: string[], options: ExecOptions) => Partial<ExecResult> | undefined;

/**
 * Scripted Exec for unit tests: register a handler per command; unknown commands exit 127 like a shell would.
 * Every call is recorded.
 */
export class FakeExec implements Exec {
  readonly calls: Array<{ command: string; args: string[]; options: ExecOptions }> = [];
  private readonly handlers = new Map<string, FakeHandler>();
  private readonly paths = new Map<string, string>();

  on(command: string, handler: FakeHandler | Partial<ExecResult>, path = `/usr/bin/${command}`): this {
    this.handlers.set(command, typeof handler === 'function' ? handler : () => handler);
    this.paths.set(command, path);
    return this;
  }

  async run(command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ command, args, options });
    const handler = this.handlers.get(command);
    if (!handler) return { exitCode: 127, stdout: '', stderr: `${command}: command not found` };
    options.onSpawn?.();
    const result = handler(args, options) ?? {};
    const stdout = result.stdout ?? '';
    const stderr = result.stderr ?? '';
    if (options.onLine) replayLines(options.onLine, stdout, stderr);
    return { exitCode: result.exitCode ?? 0, stdout, stderr };
  }

  async which(command: string): Promise<string | null> {
    return this.paths.get(command) ?? null;
  }
}

/** Replays scripted output to an `onLine` listener the way a streaming child would: stdout first, then stderr. */
function replayLines(onLine: NonNullable<ExecOptions['onLine']>, stdout: string, stderr: string): void {
  for (const [stream, text] of [['stdout', stdout], ['stderr', stderr]] as const) {
    if (text === '') continue;
    for (const line of text.replace(/\n$/, '').split('\n')) onLine(stream, line);
  }
}
