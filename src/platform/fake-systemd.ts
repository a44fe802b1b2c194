/**
 * In-memory Systemd for unit tests of steps: holds unit states, records every call, and fails on demand
 * with the same error the real port raises. Units spring into existence when first touched, as if their
 * unit file were installed; "containerd" and "containerd.service" are the same unit.
 */
import { createSystemctlError, type Systemd, type UnitFileState } from './systemd.js';

export interface FakeUnit {
  active: boolean;
  enabled: UnitFileState;
  /** Extra `systemctl show` properties (ActiveState, UnitFileState, LoadState are derived). */
  properties: Record<string, string>;
  journal: string[];
}

export type SystemdOperation =
  | 'enable'
  | 'start'
  | 'restart'
  | 'stop'
  | 'disable'
  | 'mask'
  | 'unmask'
  | 'daemon-reload';

export interface FakeSystemdCall {
  op: SystemdOperation;
  unit?: string;
  now?: boolean;
  /** false for `systemctl enable --no-reload`. */
  reload?: false;
}

function normalizeUnit(unit: string): string {
  return /\.[a-z]+$/.test(unit) ? unit : `${unit}.service`;
}

export class FakeSystemd implements Systemd {
  readonly calls: FakeSystemdCall[] = [];
  readonly units = new Map<string, FakeUnit>();
  private readonly failures = new Map<string, string>();

  constructor(units: Record<string, Partial<FakeUnit>> = {}) {
    for (const [unit, state] of Object.entries(units)) this.setUnit(unit, state);
  }

  setUnit(unit: string, state: Partial<FakeUnit>): this {
    this.units.set(normalizeUnit(unit), { ...this.ensureUnit(unit), ...state });
    return this;
  }

  /** Makes `op` on `unit` (or daemon-reload when unit is omitted) fail with `stderr` as systemctl would. */
  failOn(op: SystemdOperation, unit: string | null, stderr: string): this {
    this.failures.set(`${op} ${unit === null ? '' : normalizeUnit(unit)}`, stderr);
    return this;
  }

  unit(unit: string): FakeUnit | undefined {
    return this.units.get(normalizeUnit(unit));
  }

  /** Operations done on one unit, in order: ['enable', 'restart']. */
  operationsOn(unit: string): SystemdOperation[] {
    return this.calls.filter((call) => call.unit === normalizeUnit(unit)).map((call) => call.op);
  }

  async isActive(unit: string): Promise<boolean> {
    return this.unit(unit)?.active ?? false;
  }

  async isEnabled(unit: string): Promise<UnitFileState> {
    return this.unit(unit)?.enabled ?? 'not-found';
  }

  async enable(unit: string, options: { now?: boolean; reload?: boolean } = {}): Promise<void> {
    const state = this.record('enable', unit, options.now, options.reload === false ? false : undefined);
    state.enabled = 'enabled';
    if (options.now) state.active = true;
  }

  async start(unit: string): Promise<void> {
    this.record('start', unit).active = true;
  }

  async restart(unit: string): Promise<void> {
    this.record('restart', unit).active = true;
  }

  async stop(unit: string): Promise<void> {
    this.record('stop', unit).active = false;
  }

  async disable(unit: string): Promise<void> {
    this.record('disable', unit).enabled = 'disabled';
  }

  async mask(unit: string): Promise<void> {
    this.record('mask', unit).enabled = 'masked';
  }

  async unmask(unit: string): Promise<void> {
    this.record('unmask', unit).enabled = 'disabled';
  }

  async daemonReload(): Promise<void> {
    this.calls.push({ op: 'daemon-reload' });
    const failure = this.failures.get('daemon-reload ');
    if (failure !== undefined) throw createSystemctlError(['daemon-reload'], null, failure);
  }

  async showProperties(unit: string, props: string[]): Promise<Record<string, string>> {
    const state = this.unit(unit);
    const derived: Record<string, string> = {
      ActiveState: state?.active ? 'active' : 'inactive',
      UnitFileState: state ? state.enabled : '',
      LoadState: !state || state.enabled === 'not-found' ? 'not-found' : state.enabled === 'masked' ? 'masked' : 'loaded',
    };
    return Object.fromEntries(props.map((prop) => [prop, state?.properties[prop] ?? derived[prop] ?? '']));
  }

  async journalTail(unit: string, lines: number): Promise<string> {
    return (this.unit(unit)?.journal ?? []).slice(-lines).join('\n');
  }

  private ensureUnit(unit: string): FakeUnit {
    const key = normalizeUnit(unit);
    let state = this.units.get(key);
    if (!state) {
      state = { active: false, enabled: 'disabled', properties: {}, journal: [] };
      this.units.set(key, state);
    }
    return state;
  }

  /** Records the call, fails when told to (leaving the state untouched), and returns the unit's state. */
  private record(op: SystemdOperation, unit: string, now?: boolean, reload?: false): FakeUnit {
    const key = normalizeUnit(unit);
    this.calls.push({ op, unit: key, ...(now === undefined ? {} : { now }), ...(reload === undefined ? {} : { reload }) });
    const failure = this.failures.get(`${op} ${key}`);
    if (failure !== undefined) {
      const args = op === 'enable' && now ? ['enable', '--now', unit] : [op, unit];
      throw createSystemctlError(args, unit, failure);
    }
    return this.ensureUnit(unit);
  }
}
