import { emptyPlan, type PlannedFile, type Step, type StepContext } from '../engine/step.js';
import { KjoinError } from '../errors.js';
import { recordFiles, writeComponentFiles } from './managed-files.js';

/** Prefix of the fstab lines kjoin turned off, so `kjoin reset` can turn them back on. */
export const FSTAB_MARKER = '#kjoin-swap-off# ';
const FSTAB = '/etc/fstab';

/** Active swap devices and files from /proc/swaps (first line is the header). */
export function parseProcSwaps(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

function isSwapEntry(line: string): boolean {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return false;
  return trimmed.split(/\s+/)[2] === 'swap';
}

/** fstab with every active swap entry commented out behind the marker; null when there is none. */
export function disableFstabSwap(fstab: string): string | null {
  const lines = fstab.split('\n');
  if (!lines.some(isSwapEntry)) return null;
  return lines.map((line) => (isSwapEntry(line) ? `${FSTAB_MARKER}${line}` : line)).join('\n');
}

/** The inverse, for reset: lines kjoin commented out come back exactly as they were. */
export function restoreFstabSwap(fstab: string): string {
  return fstab
    .split('\n')
    .map((line) => (line.startsWith(FSTAB_MARKER) ? line.slice(FSTAB_MARKER.length) : line))
    .join('\n');
}

/** Swap units systemd knows (fstab-generated, gpt-auto, zram), masked or not. */
async function listSwapUnits(ctx: StepContext): Promise<Array<{ unit: string; masked: boolean }>> {
  const result = await ctx.ports.exec.run('systemctl', ['list-unit-files', '--type=swap', '--no-legend', '--plain']);
  const active = await ctx.ports.exec.run('systemctl', ['list-units', '--type=swap', '--all', '--no-legend', '--plain']);
  const units = new Map<string, boolean>();
  for (const line of result.stdout.split('\n')) {
    const [unit, state] = line.trim().split(/\s+/);
    if (unit?.endsWith('.swap')) units.set(unit, state === 'masked');
  }
  for (const line of active.stdout.split('\n')) {
    const unit = line.trim().split(/\s+/)[0];
    if (unit?.endsWith('.swap') && !units.has(unit)) units.set(unit, false);
  }
  return [...units].map(([unit, masked]) => ({ unit, masked }));
}

interface SwapState {
  active: string[];
  fstab: PlannedFile | null;
  unmaskedUnits: string[];
}

async function readSwapState(ctx: StepContext): Promise<SwapState> {
  const active = parseProcSwaps((await ctx.ports.fs.readTextOrNull('/proc/swaps')) ?? '');
  const fstabText = await ctx.ports.fs.readTextOrNull(FSTAB);
  const disabled = fstabText === null ? null : disableFstabSwap(fstabText);
  const mode = (await ctx.ports.fs.stat(FSTAB))?.mode ?? 0o644;
  // Swap units come from fstab or from swap that is active now (gpt-auto, zram): with neither there is nothing
  // systemd could turn on at the next boot, so systemctl is not asked (it costs half a second).
  const unmaskedUnits =
    active.length > 0 || disabled !== null ? (await listSwapUnits(ctx)).filter((u) => !u.masked).map((u) => u.unit) : [];
  return { active, fstab: disabled === null ? null : { path: FSTAB, mode, content: disabled }, unmaskedUnits };
}

async function run(ctx: StepContext, command: string, args: string[]): Promise<void> {
  const result = await ctx.ports.exec.run(command, args, { timeoutMs: 120_000 });
  if (result.exitCode !== 0) {
    throw new KjoinError('step-failed', `${command} ${args.join(' ')} failed: ${result.stderr.split('\n')[0] || `exit ${result.exitCode}`}`, {
      hint: 'turn swap off by hand (swapoff -a) and run kjoin join again',
    });
  }
}

/**
 * Swap off now and after reboot: swapoff, fstab swap entries commented behind a marker (reversible), swap units
 * masked. Idempotency: no-op when /proc/swaps lists nothing, fstab has no active swap entry and every swap unit
 * is masked.
 */
export const swapStep: Step = {
  id: 'swap',
  title: 'Turn swap off for good',
  phase: 'system',
  async plan(ctx) {
    const state = await readSwapState(ctx);
    const commands = [...(state.active.length ? [['swapoff', '-a']] : []), ...state.unmaskedUnits.map((u) => ['systemctl', 'mask', u])];
    return emptyPlan({ files: state.fstab ? [state.fstab] : [], commands });
  },
  async check(ctx) {
    const state = await readSwapState(ctx);
    const reasons = [
      ...state.active.map((s) => `${s} is active`),
      ...(state.fstab ? ['fstab has swap entries'] : []),
      ...state.unmaskedUnits.map((u) => `${u} not masked`),
    ];
    return reasons.length ? { status: 'needed', reason: reasons.join(', ') } : { status: 'done', reason: 'swap is off' };
  },
  async apply(ctx) {
    const state = await readSwapState(ctx);
    const previous = ctx.state.component('swap');
    if (state.active.length) {
      ctx.reporter.progress(`turning off ${state.active.join(', ')}`);
      await run(ctx, 'swapoff', ['-a']);
    }
    // fstab stays recorded once kjoin edited it (reset restores the original), so it is kept, never stale.
    const written = state.fstab ? await writeComponentFiles(ctx, 'swap', [state.fstab]) : null;
    for (const unit of state.unmaskedUnits) await ctx.ports.systemd.mask(unit);
    ctx.state.recordComponent(
      'swap',
      {
        files: state.fstab ? recordFiles([state.fstab]) : previous?.files ?? [],
        backups: written?.backups ?? previous?.backups ?? [],
        masked: [...new Set([...(previous?.masked ?? []), ...state.unmaskedUnits])],
      },
      ctx.ports.clock.now(),
    );
    return { message: `swap is off${state.unmaskedUnits.length ? ` (masked ${state.unmaskedUnits.join(', ')})` : ''}` };
  },
};
