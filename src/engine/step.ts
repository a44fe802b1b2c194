import type { ResolvedConfig, Secrets } from '../config/types.js';
import type { Facts } from '../facts/types.js';
import type { Clock } from '../io/clock.js';
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import type { Http } from '../io/http.js';
import type { Systemd } from '../platform/systemd.js';
import type { ClusterDiscovery } from '../providers/types.js';
import type { BackgroundTasks } from './background.js';
import type { Phase } from './phases.js';
import type { StateStore } from './state.js';

/** Side effects go through these ports only; each has a real and a fake implementation. */
export interface Ports {
  fs: FileSystem;
  exec: Exec;
  clock: Clock;
}

/** What steps get: the base ports plus HTTP and systemd. */
export interface StepPorts extends Ports {
  http: Http;
  systemd: Systemd;
}

export interface PlannedFile {
  path: string;
  mode: number;
  content: string;
  /** Holds a secret: dry-run shows the path and mode, never the content. */
  secret?: boolean;
}

export interface PlannedDownload {
  url: string;
  path: string;
  mode: number;
  /** Where the expected sha256 comes from (a URL or a literal hash). */
  sha256From: string;
}

/** What a step would do: pure data, printed by --dry-run. */
export interface StepPlan {
  files: PlannedFile[];
  commands: string[][];
  downloads: PlannedDownload[];
  notes: string[];
}

export interface CheckResult {
  status: 'done' | 'needed';
  /** Why it is needed (or why it is done), shown in the plan. */
  reason?: string;
}

/** A step reports sub-progress through this; the runner stamps step id and phase. */
export interface StepReporter {
  progress(message: string, data?: Record<string, unknown>): void;
  log(message: string): void;
}

export interface StepContext {
  config: ResolvedConfig;
  secrets: Secrets;
  facts: Facts;
  ports: StepPorts;
  state: StateStore;
  reporter: StepReporter;
  signal: AbortSignal;
  /** What the control plane said during discovery; null when the register phase is skipped. Holds credentials. */
  cluster: ClusterDiscovery | null;
  /** Early-started work (downloads) shared between a step's prefetch() and apply(). */
  background: BackgroundTasks;
  /**
   * Says the step now waits on long work outside kjoin (apt-get install): the steps that run alongside it start.
   * Calling it again, or from a dry run, does nothing.
   */
  longWait(): void;
}

export interface ApplyResult {
  /** Short summary shown on the step's end line, e.g. "containerd 1.7.24 installed". */
  message?: string;
}

/**
 * The step contract. Each step documents its idempotency rule in its doc comment; the runner always calls
 * check() before apply(), and apply() only when check() says needed.
 */
export interface Step {
  id: string;
  title: string;
  phase: Phase;
  /**
   * Ids of the earlier steps this one needs finished before it starts; omitted, every earlier step. A step that
   * needs nothing the packages bring (the kubelet binary, the CNI plugins) says [] and runs while apt installs.
   */
  after?: readonly string[];
  /**
   * An earlier step this one runs beside: it starts once that step waits on its long outside work
   * (StepContext.longWait, e.g. apt-get install) or has finished, so the two do not compete for the CPU before.
   */
  alongside?: string;
  /** False for steps whose implementation lands in a later release; the runner reports them and stops. */
  implemented?: boolean;
  plan(ctx: StepContext): StepPlan | Promise<StepPlan>;
  /**
   * Optional work that depends on no earlier step (a download): the runner starts it for every step of a real run
   * once the first step waits on its long outside work (apt-get install) or ends, so it overlaps with package
   * installation; apply() awaits the same task. It decides itself whether anything is needed (a converged host
   * downloads nothing), cheaply: it runs beside other steps.
   */
  prefetch?(ctx: StepContext): Promise<unknown>;
  check(ctx: StepContext): Promise<CheckResult>;
  apply(ctx: StepContext): Promise<ApplyResult | void>;
}

export function emptyPlan(partial: Partial<StepPlan> = {}): StepPlan {
  return { files: [], commands: [], downloads: [], notes: [], ...partial };
}
