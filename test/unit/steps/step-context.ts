/**
 * Shared harness for step unit tests: a realistic Debian 12 systemd host as Facts, a ResolvedConfig built by
 * the real loader, and a StepContext wired to fakes (MemoryFileSystem or a real NodeFileSystem on a temp
 * root, FakeExec, FakeClock, FakeHttp, FakeSystemd) that records every progress event.
 */
import { expect } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { BackgroundTasks } from '../../../src/engine/background.js';
import type { Phase } from '../../../src/engine/phases.js';
import { runSteps, type RunSummary } from '../../../src/engine/runner.js';
import { StateStore } from '../../../src/engine/state.js';
import type { Step, StepContext } from '../../../src/engine/step.js';
import type { Facts } from '../../../src/facts/types.js';
import { FakeClock } from '../../../src/io/clock.js';
import { FakeExec } from '../../../src/io/exec.js';
import type { FileSystem } from '../../../src/io/fs.js';
import { FakeHttp } from '../../../src/io/http.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { FakeSystemd } from '../../../src/platform/fake-systemd.js';
import type { EventInput } from '../../../src/progress/events.js';

const PIN = 'sha256:345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3';
const KUBEADM_FLAGS = { server: 'https://api.example.com:6443', discoveryTokenCaCertHash: [PIN] };

/** A Debian 12 (bookworm) amd64 cloud VM under systemd with cgroup v2, as facts/ reports it. */
export function makeDebianFacts(overrides: Partial<Facts> = {}): Facts {
  return {
    os: {
      id: 'debian',
      versionId: '12',
      idLike: [],
      name: 'Debian GNU/Linux',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      versionCodename: 'bookworm',
      family: 'debian',
      support: 'supported',
      supportReason: 'Debian 12 is tested',
    },
    packageManager: 'apt',
    arch: 'amd64',
    rawArch: 'x86_64',
    kernel: '6.1.0-28-amd64',
    memoryBytes: 4 * 1024 ** 3,
    swapBytes: 0,
    cpus: 2,
    cgroup: { version: 2 },
    initSystem: 'systemd',
    cloud: { provider: null, vendor: null, product: null },
    addresses: [{ interface: 'eth0', family: 'ipv4', address: '10.0.0.12', scope: 'private' }],
    nat: 'nat',
    wireguard: { kernel: true, userspace: false },
    apparmor: { enabled: true, parser: true },
    hostname: 'worker-1',
    ...overrides,
  };
}

export interface ConfigInput {
  /** commander flags on top of a kubeadm join with --kubernetes-version 1.31.2 (pass undefined to drop one). */
  flags?: Record<string, unknown>;
  /** The spec body of /etc/kjoin/join.yaml (indented YAML under spec:), for settings that have no flag. */
  spec?: string;
}

/** The ResolvedConfig the real loader builds; fails the test on any loader error. */
export async function loadTestConfig(input: ConfigInput = {}): Promise<ResolvedConfig> {
  const files: Record<string, string> = {};
  if (input.spec !== undefined) {
    const body = input.spec.trim().split('\n').map((line) => `  ${line}`).join('\n');
    files['/etc/kjoin/join.yaml'] = `apiVersion: kjoin.io/v1alpha1\nkind: JoinConfiguration\nspec:\n${body}\n`;
  }
  const flags = Object.fromEntries(
    Object.entries({ ...KUBEADM_FLAGS, kubernetesVersion: '1.31.2', ...input.flags }).filter(([, value]) => value !== undefined),
  );
  const result = await loadConfig({ fs: new MemoryFileSystem(files), env: {}, flags, facts: { cloudProvider: null }, cwd: '/root' });
  if (!result.config) throw new Error(`test config does not load: ${result.errors.join('; ')}`);
  return result.config;
}

export interface StepHarness<F extends FileSystem = MemoryFileSystem> {
  fs: F;
  exec: FakeExec;
  clock: FakeClock;
  http: FakeHttp;
  systemd: FakeSystemd;
  state: StateStore;
  config: ResolvedConfig;
  facts: Facts;
  /** Every step-progress and log message reported by the steps, in order. */
  progress: Array<{ message: string; data?: Record<string, unknown> }>;
  logs: string[];
  /** Events from runSteps. */
  events: EventInput[];
  /** Each longWait() a step called, as the number of progress messages reported before it. */
  longWaits: number[];
  /** A fresh context (new BackgroundTasks, as each run of the runner has), over the current config and facts. */
  context(): StepContext;
  /** One run of the real runner over `steps`. */
  run(steps: readonly Step[], options?: { dryRun?: boolean; skipPhases?: readonly Phase[] }): Promise<RunSummary>;
}

export function makeHarness<F extends FileSystem = MemoryFileSystem>(options: {
  config: ResolvedConfig;
  facts?: Facts;
  fs?: F;
  systemd?: FakeSystemd;
}): StepHarness<F> {
  const fs = (options.fs ?? new MemoryFileSystem()) as F;
  const clock = new FakeClock('2026-11-22T10:00:00.000Z');
  const harness: StepHarness<F> = {
    fs,
    exec: new FakeExec(),
    clock,
    http: new FakeHttp(fs),
    systemd: options.systemd ?? new FakeSystemd(),
    state: StateStore.empty(fs),
    config: options.config,
    facts: options.facts ?? makeDebianFacts(),
    progress: [],
    logs: [],
    events: [],
    longWaits: [],
    context() {
      return {
        config: harness.config,
        secrets: {},
        facts: harness.facts,
        ports: { fs: harness.fs, exec: harness.exec, clock: harness.clock, http: harness.http, systemd: harness.systemd },
        state: harness.state,
        reporter: {
          progress: (message, data) => harness.progress.push(data === undefined ? { message } : { message, data }),
          log: (message) => harness.logs.push(message),
        },
        signal: new AbortController().signal,
        cluster: null,
        background: new BackgroundTasks(),
        longWait: () => void harness.longWaits.push(harness.progress.length),
      };
    },
    async run(steps, runOptions = {}) {
      const { reporter: _r, background: _b, longWait: _w, ...context } = harness.context();
      return runSteps({
        steps,
        context,
        reporter: { emit: (event) => harness.events.push(event) },
        clock: harness.clock,
        dryRun: runOptions.dryRun ?? false,
        skipPhases: runOptions.skipPhases ?? [],
        version: 'test',
      });
    },
  };
  return harness;
}

/**
 * The idempotency contract through the real runner: a run after apply reports no-change for `step`, writes no
 * file, and touches no unit.
 */
export async function expectConverged(harness: StepHarness<MemoryFileSystem>, step: Step): Promise<void> {
  const writes = harness.fs.writes.length;
  const systemdCalls = harness.systemd.calls.length;
  const summary = await harness.run([step]);
  expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([[step.id, 'no-change']]);
  expect(summary.changed).toBe(0);
  expect(harness.fs.writes.slice(writes)).toEqual([]);
  expect(harness.systemd.calls.slice(systemdCalls)).toEqual([]);
}

/** argv of every FakeExec call to `command`, in order. */
export function argvOf(exec: FakeExec, command: string): string[][] {
  return exec.calls.filter((call) => call.command === command).map((call) => call.args);
}

/** The lines of a file that are neither blank nor `#` comments. */
export function contentLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/** `containerd --version` as Debian 12's package prints it. */
export const DEBIAN_CONTAINERD_VERSION = 'containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1';

/**
 * containerd installed by the packages step: `containerd --version` answers with `version`, and `ctr version`
 * succeeds (or fails every time with `ctrFails`).
 */
export function scriptContainerd(h: StepHarness<FileSystem>, options: { version?: string; ctrFails?: boolean } = {}): void {
  h.exec.on('containerd', (args) => (args[0] === '--version' ? { stdout: options.version ?? DEBIAN_CONTAINERD_VERSION } : { exitCode: 1 }));
  h.exec.on('ctr', () =>
    options.ctrFails
      ? { exitCode: 1, stderr: 'ctr: failed to dial "/run/containerd/containerd.sock": context deadline exceeded' }
      : { stdout: 'Client:\n  Version:  1.6.20~ds1\n\nServer:\n  Version:  1.6.20~ds1' },
  );
}
