import type { ResolvedConfig } from '../config/types.js';
import type { Facts } from '../facts/types.js';
import type { Clock } from '../io/clock.js';
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import type { Network } from '../io/net.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the preflight report. `remediation` (one line: what to do) is always set for warn and fail. */
export interface CheckOutcome {
  id: string;
  title: string;
  status: CheckStatus;
  message: string;
  remediation?: string;
}

/** What a check decides; the type makes a warn or fail without a remediation a compile error. */
export type Verdict =
  | { status: 'ok'; message: string }
  | { status: 'warn' | 'fail'; message: string; remediation: string };

export interface PreflightPorts {
  fs: FileSystem;
  exec: Exec;
  clock: Clock;
  net: Network;
}

export interface PreflightContext {
  facts: Facts;
  /** null when the configuration did not load (e.g. `kjoin preflight` without a server): host checks still run. */
  config: ResolvedConfig | null;
  ports: PreflightPorts;
  isRoot: boolean;
}

/** A host check: reads facts and the host through the ports, never changes anything. */
export interface PreflightCheck {
  id: string;
  title: string;
  run(ctx: PreflightContext): Promise<Verdict>;
}

export function ok(message: string): Verdict {
  return { status: 'ok', message };
}

export function warn(message: string, remediation: string): Verdict {
  return { status: 'warn', message, remediation };
}

export function fail(message: string, remediation: string): Verdict {
  return { status: 'fail', message, remediation };
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** "1.8 GiB", or "981 MiB" under a gibibyte, so a 1 GB VM does not read as "0.9 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}
