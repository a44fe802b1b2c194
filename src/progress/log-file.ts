/**
 * /var/log/kjoin.log: every run appends the same plain lines as the non-terminal view (see render-plain.ts),
 * whatever view the operator chose, so a failed join can be diagnosed after the fact. Events arrive here
 * already redacted by the bus.
 *
 * Lines are buffered and appended at each step end, at run end and on close: one write per step keeps the
 * log useful if kjoin is killed mid-run without a write per progress tick. The file is created 0600 (it
 * names hosts, addresses and cluster URLs). An unwritable log (non-root `kjoin preflight`, read-only /var)
 * never fails the run: the renderer stops trying and exposes one warning for the CLI to print.
 */
import { describeError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';
import type { KjoinEvent, Renderer } from './events.js';
import { PlainFormatter } from './render-plain.js';

export const DEFAULT_LOG_PATH = '/var/log/kjoin.log';
export const LOG_FILE_MODE = 0o600;

export interface LogFileRendererOptions {
  fs: FileSystem;
  /** Host path of the log; default /var/log/kjoin.log. */
  path?: string;
}

export class LogFileRenderer implements Renderer {
  readonly path: string;
  private readonly fs: FileSystem;
  private readonly formatter = new PlainFormatter();
  private buffer: string[] = [];
  private pending: Promise<void> = Promise.resolve();
  private failedWarning: string | null = null;

  constructor(options: LogFileRendererOptions) {
    this.fs = options.fs;
    this.path = options.path ?? DEFAULT_LOG_PATH;
  }

  /** Set once the log could not be written; the CLI prints it once at the end. Null while all is well. */
  get warning(): string | null {
    return this.failedWarning;
  }

  handle(event: KjoinEvent): void {
    if (this.failedWarning !== null) return;
    this.buffer.push(...this.formatter.format(event));
    if (event.type === 'step-end' || event.type === 'run-end') void this.flush();
  }

  /** Appends what is buffered; resolves (never rejects) once every earlier flush has landed. */
  flush(): Promise<void> {
    this.pending = this.pending.then(() => this.appendBuffered());
    return this.pending;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async appendBuffered(): Promise<void> {
    if (this.failedWarning !== null || this.buffer.length === 0) return;
    const text = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    try {
      await this.fs.append(this.path, text, LOG_FILE_MODE);
    } catch (error) {
      this.failedWarning = `cannot write the log file ${this.path} (${describeError(error)}); this run is not logged there`;
    }
  }
}
