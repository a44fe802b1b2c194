import type { EventPhase } from '../engine/phases.js';

/** Every event carries a type; step events carry the step id and phase. */
export type EventType =
  | 'run-start'
  | 'plan'
  | 'check'
  | 'step-start'
  | 'step-progress'
  | 'step-end'
  | 'log'
  | 'run-end';

export type EventStatus =
  | 'ok' // step applied, something changed
  | 'no-change' // step already converged
  | 'failed'
  | 'skipped'
  | 'not-implemented'
  | 'needed' // dry-run: would apply
  | 'done' // dry-run: already converged
  | 'warn'
  | 'fail'
  | 'info';

export interface KjoinEvent {
  /** ISO-8601 UTC timestamp. */
  ts: string;
  type: EventType;
  step?: string;
  phase?: EventPhase;
  status?: EventStatus;
  durationMs?: number;
  message: string;
  /** Structured extras (bytes done/total, file lists, remediation...). Redacted like everything else. */
  data?: Record<string, unknown>;
}

export type EventInput = Omit<KjoinEvent, 'ts'>;

/** Where steps and commands send events. Implementations stamp, redact and fan out to renderers. */
export interface Reporter {
  emit(event: EventInput): void;
}

/** A view of the event stream (TTY, plain lines, NDJSON, log file). */
export interface Renderer {
  handle(event: KjoinEvent): void;
  close(): Promise<void> | void;
}
