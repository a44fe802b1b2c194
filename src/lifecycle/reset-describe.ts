import { CACHE_DIR, STATE_FILE } from '../engine/state.js';
import type { KeptPath, ResetPlan } from './reset-plan.js';

/**
 * The reset plan in words, one section per reset step. --dry-run prints these sections; the real run uses the
 * same ids and titles for its step events, so both read alike.
 */

export const RESET_STEPS = {
  units: { id: 'reset-units', title: 'Stop and disable the units kjoin enabled' },
  wireguard: { id: 'reset-wireguard', title: 'Remove the WireGuard interface' },
  files: { id: 'reset-files', title: 'Remove the files kjoin wrote and restore the originals' },
  systemd: { id: 'reset-swap', title: 'Reload systemd and turn swap back on' },
  state: { id: 'reset-state', title: "Forget kjoin's state" },
} as const;

export interface ResetSection {
  id: string;
  title: string;
  lines: string[];
}

export function describeKept(kept: KeptPath): string {
  return `keep ${kept.path}: ${kept.reason}`;
}

function mode(value: number): string {
  return `0${value.toString(8).padStart(3, '0')}`;
}

export interface DescribeOptions {
  /** systemd must re-read its units (unit files or fstab changed). */
  reload: boolean;
  /** Swap comes back on (fstab lines uncommented or swap units unmasked). */
  swapOn: boolean;
  /** Paths state.json keeps because reset could not act on them yet. */
  retained: number;
}

/** Sections with something to do, in the order reset runs them. */
export function describeResetPlan(plan: ResetPlan, options: DescribeOptions): ResetSection[] {
  const sections: ResetSection[] = [
    {
      ...RESET_STEPS.units,
      lines: plan.units.map((u) => [u.active ? 'stop' : null, u.enabled ? 'disable' : null].filter(Boolean).join(' and ') + ` ${u.unit}`),
    },
    { ...RESET_STEPS.wireguard, lines: plan.interfaces.map((iface) => `delete interface ${iface}`) },
    {
      ...RESET_STEPS.files,
      lines: [
        ...plan.remove.map((a) => `remove ${a.path}`),
        ...plan.restore.map((a) => `restore ${a.path} from ${a.backup} (mode ${mode(a.mode)})`),
        ...plan.restoreFstab.map((a) => `uncomment the swap lines kjoin turned off in ${a.path}`),
        ...plan.removeBackups.map((a) => `remove the backup ${a.path}`),
        ...plan.kept.map(describeKept),
        ...plan.unrecorded.map((file) => `leave ${file}: not recorded by kjoin (remove it by hand if the node will not join again)`),
      ],
    },
    {
      ...RESET_STEPS.systemd,
      lines: [...plan.unmask.map((unit) => `unmask ${unit}`), ...(options.reload ? ['systemctl daemon-reload'] : []), ...(options.swapOn ? ['swapon -a'] : [])],
    },
    {
      ...RESET_STEPS.state,
      lines: [
        options.retained > 0 ? `keep ${STATE_FILE} with the ${options.retained} path(s) above, so a later reset tries them again` : `remove ${STATE_FILE}`,
        `remove the download cache ${CACHE_DIR}`,
      ],
    },
  ];
  return sections.filter((section) => section.lines.length > 0);
}
