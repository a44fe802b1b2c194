/**
 * The systemd port. Steps restart units only through it, so unit tests run them against FakeSystemd
 * (fake-systemd.ts) and the real host sees exactly these commands:
 *
 *   systemctl is-active <unit>            systemctl is-enabled <unit>
 *   systemctl enable [--now] <unit>       systemctl start|restart|stop|disable|mask|unmask <unit>
 *   systemctl daemon-reload               systemctl show -p A -p B <unit>
 *   journalctl -u <unit> -n <N> --no-pager -o short-iso
 */
import { KjoinError } from '../errors.js';
import type { Exec } from '../io/exec.js';

/** `systemctl is-enabled` states, folded: *-runtime into their base, alias/linked into enabled. */
export type UnitFileState =
  | 'enabled'
  | 'disabled'
  | 'static'
  | 'masked'
  | 'indirect'
  | 'generated'
  | 'transient'
  | 'not-found';

export interface Systemd {
  isActive(unit: string): Promise<boolean>;
  isEnabled(unit: string): Promise<UnitFileState>;
  /** `reload: false` creates the symlinks only (systemctl --no-reload); by default systemctl reloads the manager. */
  enable(unit: string, options?: { now?: boolean; reload?: boolean }): Promise<void>;
  start(unit: string): Promise<void>;
  restart(unit: string): Promise<void>;
  stop(unit: string): Promise<void>;
  disable(unit: string): Promise<void>;
  mask(unit: string): Promise<void>;
  unmask(unit: string): Promise<void>;
  daemonReload(): Promise<void>;
  /** The requested properties; a property systemd does not know comes back as "". */
  showProperties(unit: string, props: string[]): Promise<Record<string, string>>;
  /** The unit's last journal lines (short-iso), or "" when the journal cannot be read: diagnostics never throw. */
  journalTail(unit: string, lines: number): Promise<string>;
}

/** Parses `systemctl is-enabled` output; unknown units print "not-found" (or only an error on old systemd). */
export function parseUnitFileState(stdout: string): UnitFileState {
  const state = stdout.trim().split('\n')[0]?.trim() ?? '';
  switch (state) {
    case 'enabled':
    case 'enabled-runtime':
    case 'alias':
    case 'linked':
    case 'linked-runtime':
      return 'enabled';
    case 'masked':
    case 'masked-runtime':
      return 'masked';
    case 'disabled':
    case 'static':
    case 'indirect':
    case 'generated':
    case 'transient':
      return state;
    default:
      return 'not-found';
  }
}

/** Parses `systemctl show -p A -p B` ("A=value" lines; values may contain "="). */
export function parseShowOutput(stdout: string, props: string[]): Record<string, string> {
  const values: Record<string, string> = Object.fromEntries(props.map((prop) => [prop, '']));
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq) in values) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/** "containerd.service" → "containerd": messages and hints read as the operator would type them. */
function describeUnit(unit: string): string {
  return unit.replace(/\.service$/, '');
}

/** "systemctl restart containerd failed: <first stderr line>", hinting at the unit's journal. */
export function createSystemctlError(args: string[], unit: string | null, stderr: string, exitCode = 1): KjoinError {
  const firstLine = stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit code ${exitCode}`;
  const command = ['systemctl', ...args.map((arg) => (arg === unit ? describeUnit(arg) : arg))].join(' ');
  return new KjoinError('step-failed', `${command} failed: ${firstLine}`, {
    hint: unit ? `see journalctl -u ${describeUnit(unit)} -n 50` : 'see journalctl -b -n 50',
  });
}

/** The Systemd port on systemctl/journalctl through the Exec port. */
export class SystemctlSystemd implements Systemd {
  constructor(private readonly exec: Exec) {}

  async isActive(unit: string): Promise<boolean> {
    return (await this.exec.run('systemctl', ['is-active', '--quiet', unit])).exitCode === 0;
  }

  async isEnabled(unit: string): Promise<UnitFileState> {
    // Non-zero for disabled/masked/not-found too, so the printed state, not the exit code, decides.
    return parseUnitFileState((await this.exec.run('systemctl', ['is-enabled', unit])).stdout);
  }

  async enable(unit: string, options: { now?: boolean; reload?: boolean } = {}): Promise<void> {
    await this.systemctl(['enable', ...(options.reload === false ? ['--no-reload'] : []), ...(options.now ? ['--now'] : []), unit], unit);
  }

  async start(unit: string): Promise<void> {
    await this.systemctl(['start', unit], unit);
  }

  async restart(unit: string): Promise<void> {
    await this.systemctl(['restart', unit], unit);
  }

  async stop(unit: string): Promise<void> {
    await this.systemctl(['stop', unit], unit);
  }

  async disable(unit: string): Promise<void> {
    await this.systemctl(['disable', unit], unit);
  }

  async mask(unit: string): Promise<void> {
    await this.systemctl(['mask', unit], unit);
  }

  async unmask(unit: string): Promise<void> {
    await this.systemctl(['unmask', unit], unit);
  }

  async daemonReload(): Promise<void> {
    await this.systemctl(['daemon-reload'], null);
  }

  async showProperties(unit: string, props: string[]): Promise<Record<string, string>> {
    const stdout = await this.systemctl(['show', ...props.flatMap((prop) => ['-p', prop]), unit], unit);
    return parseShowOutput(stdout, props);
  }

  async journalTail(unit: string, lines: number): Promise<string> {
    const result = await this.exec.run('journalctl', ['-u', unit, '-n', String(lines), '--no-pager', '-o', 'short-iso'], {
      timeoutMs: 30_000,
    });
    return result.exitCode === 0 ? result.stdout : '';
  }

  /** Runs systemctl; a failure becomes a step-failed error naming the command, with a journal hint. */
  private async systemctl(args: string[], unit: string | null): Promise<string> {
    const result = await this.exec.run('systemctl', args, { env: { SYSTEMD_PAGER: '', LC_ALL: 'C' } });
    if (result.exitCode !== 0) throw createSystemctlError(args, unit, result.stderr, result.exitCode);
    return result.stdout;
  }
}
