/**
 * The one event stream: steps and commands emit here; the bus stamps the time, redacts, and fans out to
 * every renderer (the chosen view plus the log file). Redaction happens once, here, before any renderer
 * sees the event, so no view can leak a secret another view hid.
 */
import { describeError } from '../errors.js';
import type { Clock } from '../io/clock.js';
import type { EventInput, KjoinEvent, Renderer, Reporter } from './events.js';
import type { Redactor } from './redact.js';

export interface EventBusOptions {
  clock: Clock;
  redactor: Redactor;
  renderers: Renderer[];
}

/** A renderer that threw; the run went on without that view's output for that event. */
export interface RendererFailure {
  renderer: string;
  /** One line, redacted. */
  message: string;
}

export class EventBus implements Reporter {
  private readonly clock: Clock;
  private readonly redactor: Redactor;
  private readonly renderers: Renderer[];
  private readonly failed = new Map<Renderer, RendererFailure>();

  constructor(options: EventBusOptions) {
    this.clock = options.clock;
    this.redactor = options.redactor;
    this.renderers = [...options.renderers];
  }

  /** Adds a view after construction (e.g. the log file once the command knows it may write /var/log). */
  attach(renderer: Renderer): void {
    this.renderers.push(renderer);
  }

  emit(input: EventInput): void {
    const event: KjoinEvent = this.redactor.redactEvent({ ts: this.clock.now().toISOString(), ...input });
    for (const renderer of this.renderers) {
      try {
        renderer.handle(event);
      } catch (error) {
        // A broken view (closed pipe, full disk) must never fail a half-done join.
        this.remember(renderer, error);
      }
    }
  }

  /** The first failure of each renderer that threw, so the CLI can mention a lost view once at the end. */
  failures(): RendererFailure[] {
    return [...this.failed.values()];
  }

  /** Closes every renderer (flushing the log file); a failing close is remembered, never thrown. */
  async close(): Promise<void> {
    await Promise.all(
      this.renderers.map(async (renderer) => {
        try {
          await renderer.close();
        } catch (error) {
          this.remember(renderer, error);
        }
      }),
    );
  }

  private remember(renderer: Renderer, error: unknown): void {
    if (this.failed.has(renderer)) return;
    const name = renderer.constructor?.name || 'renderer';
    this.failed.set(renderer, { renderer: name, message: this.redactor.redact(describeError(error)) });
  }
}
