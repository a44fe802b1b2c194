/**
 * The terminal view: an ora spinner for the running step, showing its title and latest progress ("Install
 * containerd: downloading containerd-1.7.24.tgz 45% (12.0 MiB/26.7 MiB)"), replaced when the step ends by
 * one persistent line: a symbol (✔ applied, ℹ no change/skipped, ⚠ not implemented, ✖ failed), the
 * title, the step's summary and its duration. Log lines and checks print above the spinner.
 *
 * ora is driven with `isEnabled` from the `interactive` flag, never from its own TTY sniffing, so tests can
 * render into a fake stream. With interactive false, ora 8 prints "- <title>" when a spinner starts,
 * nothing on text updates, and the symbol line when it stops; with interactive true it animates on a
 * timer and redraws in place (clearing needs the stream's cursor methods, as on process.stderr).
 *
 * Steps may run side by side (the kubelet installs while apt does): one spinner shows every running step, a line
 * each in the order they started, since two ora instances on one stream overwrite each other. A step that ends
 * while others run prints its line above the spinner; the last one to end replaces the spinner.
 */
import ora, { spinners, type Ora } from 'ora';
import type { EventStatus, KjoinEvent, Renderer } from './events.js';
import { formatDuration, formatTransfer, readHint, type TextSink } from './format.js';

export interface TtyRendererOptions {
  stream: TextSink;
  /** Animate and redraw (a real terminal); false: one line per spinner start and end. */
  interactive: boolean;
  /** ANSI colours for symbols, durations and the spinner. */
  color: boolean;
  /** Unicode symbols and spinner; false for consoles without the glyphs (TERM=linux). Default true. */
  unicode?: boolean;
}

type SymbolKind = 'success' | 'error' | 'warning' | 'info';

/** A finished line in parts, because ora persists symbol and text separately. */
interface StatusParts {
  symbol: string;
  text: string;
  hint: string | null;
}

const SYMBOLS: Record<'unicode' | 'ascii', Record<SymbolKind, string>> = {
  unicode: { success: '✔', error: '✖', warning: '⚠', info: 'ℹ' },
  ascii: { success: '√', error: '×', warning: '‼', info: 'i' },
};

const SYMBOL_COLORS: Record<SymbolKind, number> = { success: 32, error: 31, warning: 33, info: 34 };
const GRAY = 90;

/** How each status ends a line: its symbol and, where the symbol alone is ambiguous, a label. */
const STATUS_LOOK: Record<EventStatus, { kind: SymbolKind; label?: string }> = {
  ok: { kind: 'success' },
  'no-change': { kind: 'info', label: 'no change' },
  failed: { kind: 'error' },
  skipped: { kind: 'info', label: 'skipped' },
  'not-implemented': { kind: 'warning', label: 'not implemented' },
  needed: { kind: 'info', label: 'needed' },
  done: { kind: 'success', label: 'done' },
  warn: { kind: 'warning' },
  fail: { kind: 'error' },
  info: { kind: 'info' },
};

export class TtyRenderer implements Renderer {
  private readonly stream: TextSink;
  private readonly interactive: boolean;
  private readonly color: boolean;
  private readonly symbols: Record<SymbolKind, string>;
  private readonly unicode: boolean;
  private readonly titles = new Map<string, string>();
  /** The running steps, in the order they started, each with its spinner line ("title: latest progress"). */
  private readonly running = new Map<string, string>();
  private spinner: Ora | null = null;

  constructor(options: TtyRendererOptions) {
    this.stream = options.stream;
    this.interactive = options.interactive;
    this.color = options.color;
    this.unicode = options.unicode ?? true;
    this.symbols = SYMBOLS[this.unicode ? 'unicode' : 'ascii'];
  }

  handle(event: KjoinEvent): void {
    switch (event.type) {
      case 'step-start':
        return this.startStep(event);
      case 'step-progress':
        return this.updateStep(event);
      case 'step-end':
        return this.endStep(event);
      case 'log':
        return this.writeAbove(event.step ? `  ${this.paint(GRAY, event.message)}` : event.message);
      case 'check':
      case 'run-end':
        return this.writeAbove(this.joinStatus(this.describeStatus(event, event.message)));
      case 'run-start':
      case 'plan':
        return this.writeAbove(event.message);
    }
  }

  close(): void {
    // A spinner left running keeps a timer alive and the cursor hidden after kjoin exits.
    this.spinner?.stop();
    this.spinner = null;
    this.running.clear();
  }

  private startStep(event: KjoinEvent): void {
    const step = event.step ?? 'kjoin';
    this.titles.set(step, event.message);
    this.running.set(step, event.message);
    if (!this.spinner) {
      this.spinner = ora({
        text: this.spinnerText(),
        stream: this.stream as unknown as NodeJS.WritableStream,
        isEnabled: this.interactive,
        color: this.color ? 'cyan' : false,
        spinner: this.unicode ? spinners.dots : spinners.line,
        hideCursor: this.interactive,
        // Raw-mode stdin would change how Ctrl+C reaches the runner's signal handling.
        discardStdin: false,
      }).start();
      return;
    }
    // Without animation ora prints "- <text>" only when it starts; say so for this step too.
    if (!this.interactive) this.stream.write(`- ${event.message}\n`);
    this.spinner.text = this.spinnerText();
  }

  private updateStep(event: KjoinEvent): void {
    const step = event.step ?? 'kjoin';
    if (!this.running.has(step) || !this.spinner) return;
    const transfer = formatTransfer(event.data);
    const detail = transfer ? `${event.message} ${transfer}` : event.message;
    this.running.set(step, `${this.titleOf(step)}: ${detail}`);
    this.spinner.text = this.spinnerText();
  }

  private endStep(event: KjoinEvent): void {
    const step = event.step ?? 'kjoin';
    const title = this.titleOf(step);
    const status = this.describeStatus(event, event.message && event.message !== title ? `${title}: ${event.message}` : title);
    const wasRunning = this.running.delete(step);
    if (!wasRunning || !this.spinner || this.running.size > 0) {
      this.writeAbove(this.joinStatus(status));
      if (this.spinner && this.running.size > 0) this.spinner.text = this.spinnerText();
      return;
    }
    this.spinner.stopAndPersist({ symbol: status.symbol, text: status.text });
    this.spinner = null;
    if (status.hint) this.stream.write(`${status.hint}\n`);
  }

  /** The running steps' lines; the first follows the spinner's frame, the others are indented under it. */
  private spinnerText(): string {
    return [...this.running.values()].join('\n  ');
  }

  /** A finished thing as "<symbol> <text> (<label>, <duration>)" plus an indented hint line when present. */
  private describeStatus(event: KjoinEvent, summary: string): StatusParts {
    const look = STATUS_LOOK[event.status ?? 'info'];
    const notes = [look.label, event.durationMs === undefined ? undefined : formatDuration(event.durationMs)];
    const note = notes.filter((part) => part !== undefined).join(', ');
    const text = note === '' ? summary : `${summary} ${this.paint(GRAY, `(${note})`)}`;
    const hint = readHint(event.data);
    return {
      symbol: this.paint(SYMBOL_COLORS[look.kind], this.symbols[look.kind]),
      text,
      hint: hint === null ? null : `  hint: ${hint}`,
    };
  }

  private joinStatus(status: StatusParts): string {
    const line = `${status.symbol} ${status.text}`;
    return status.hint === null ? line : `${line}\n${status.hint}`;
  }

  /** Prints whole lines without tearing the spinner: clear it, write, draw it again. */
  private writeAbove(text: string): void {
    const spinner = this.spinner;
    const redraw = spinner?.isSpinning === true;
    if (redraw) spinner.clear();
    this.stream.write(`${text}\n`);
    if (redraw) spinner.render();
  }

  private titleOf(step: string): string {
    return this.titles.get(step) ?? step;
  }

  private paint(code: number, text: string): string {
    return this.color ? `\u001B[${code}m${text}\u001B[39m` : text;
  }
}
