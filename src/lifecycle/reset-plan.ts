import * as path from 'node:path';
import { BACKUP_DIR, type KjoinState } from '../engine/state.js';
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import type { Systemd } from '../platform/systemd.js';
import { PATHS } from '../render/paths.js';
import { SCALEWAY_CACHE_PATH } from '../providers/scaleway-cache.js';
import { FSTAB_MARKER } from '../steps/swap.js';
import { KILO_KEY_PATH } from '../wireguard/key-file.js';
import { linkExists, setconfPathFor } from '../wireguard/link.js';
import { findMountBoundary } from './mountinfo.js';

/**
 * What `kjoin reset` will do, worked out from state.json and the host before anything changes, so --dry-run
 * prints exactly what a real reset then does. Only recorded paths appear; nothing is ever found by listing a
 * directory.
 */

export const FSTAB = '/etc/fstab';

/** A path reset leaves in place, and why. `retry`: it stays in state.json so a later reset tries again. */
export interface KeptPath {
  component: string;
  path: string;
  reason: string;
  retry: boolean;
}

export interface PathAction {
  component: string;
  path: string;
}

export interface RestoreAction extends PathAction {
  backup: string;
  mode: number;
}

export interface ResetPlan {
  /** Units to stop and disable, kubelet first and containerd last. */
  units: Array<{ unit: string; active: boolean; enabled: boolean }>;
  /** WireGuard links that are up now. */
  interfaces: string[];
  remove: PathAction[];
  /** Originals kjoin replaced, put back from their backup copy with the recorded mode. */
  restore: RestoreAction[];
  /** fstab: the swap lines kjoin commented out come back; the rest of the file (and later edits) stay. */
  restoreFstab: PathAction[];
  /** Backup copies to drop once their original (a recorded path) is back in place. */
  removeBackups: Array<PathAction & { original: string }>;
  unmask: string[];
  kept: KeptPath[];
  /** Files kjoin's run produced without recording them (the kubelet wrote them): reported, never touched. */
  unrecorded: string[];
}

export interface PlanInput {
  state: KjoinState;
  fs: FileSystem;
  exec: Exec;
  systemd: Systemd;
  mountPoints: ReadonlySet<string>;
  removeWireguardKey: boolean;
}

/** A recorded path kjoin may act on: absolute, normalised, not "/", and on the root file system. */
export function explainUnsafePath(file: string, mountPoints: ReadonlySet<string>): string | null {
  if (!path.posix.isAbsolute(file) || path.posix.normalize(file) !== file || file === '/' || file.endsWith('/')) {
    return 'not a plain absolute path';
  }
  const boundary = findMountBoundary(mountPoints, file);
  if (boundary === null) return null;
  return boundary === file ? 'it is a mount point' : `it is under the mount point ${boundary}`;
}

/** kubelet stops first (it would restart pods), containerd last (everything else runs on it). */
export function orderUnits(units: readonly string[]): string[] {
  const unique = [...new Set(units)];
  const rank = (unit: string) => (unit === 'kubelet.service' ? 0 : unit === 'containerd.service' ? 2 : 1);
  return unique.map((unit, index) => ({ unit, index })).sort((a, b) => rank(a.unit) - rank(b.unit) || a.index - b.index).map((u) => u.unit);
}

/** Interfaces named by the recorded units (kjoin-wireguard-<if>.service) and configs (/etc/wireguard/<if>.conf). */
export function listRecordedInterfaces(state: KjoinState): string[] {
  const names = new Set<string>();
  for (const component of Object.values(state.components)) {
    for (const unit of component.units) {
      const match = /^kjoin-wireguard-([A-Za-z0-9_.-]{1,15})\.service$/.exec(unit);
      if (match) names.add(match[1]!);
    }
    for (const file of component.files) {
      const match = /^\/etc\/wireguard\/([A-Za-z0-9_=+.-]{1,15})\.conf$/.exec(file.path);
      if (match) names.add(match[1]!);
    }
  }
  return [...names];
}

async function planUnits(input: PlanInput): Promise<ResetPlan['units']> {
  const recorded = Object.values(input.state.components).flatMap((c) => c.units);
  const units: ResetPlan['units'] = [];
  for (const unit of orderUnits(recorded)) {
    const state = await input.systemd.isEnabled(unit);
    const active = await input.systemd.isActive(unit);
    // enable is what kjoin did; a unit enabled through an alias or at runtime reads "enabled" too.
    const enabled = state === 'enabled';
    if (active || enabled) units.push({ unit, active, enabled });
  }
  return units;
}

function isBackupPath(file: string): boolean {
  return file.startsWith(`${BACKUP_DIR}/`) && path.posix.normalize(file) === file;
}

/** Plans one component's files and backups into `plan`. */
async function planComponentFiles(input: PlanInput, id: string, plan: ResetPlan): Promise<void> {
  const { fs, mountPoints } = input;
  const component = input.state.components[id]!;
  const keep = (file: string, reason: string, retry: boolean) => plan.kept.push({ component: id, path: file, reason, retry });
  const backups = new Map(component.backups.map((b) => [b.path, b]));
  const paths = [...new Set([...component.files.map((f) => f.path), ...backups.keys()])];
  for (const file of paths) {
    if (file === KILO_KEY_PATH && !input.removeWireguardKey) {
      keep(file, 'the WireGuard key is kept for a later join and for Kilo (pass --remove-wireguard-key to delete it)', false);
      continue;
    }
    const unsafe = explainUnsafePath(file, mountPoints);
    if (unsafe) {
      keep(file, unsafe, true);
      continue;
    }
    const backup = backups.get(file);
    if (backup && !isBackupPath(backup.backup)) {
      keep(file, `its backup is recorded outside ${BACKUP_DIR} (${backup.backup})`, false);
      continue;
    }
    const stat = await fs.stat(file);
    if (file === FSTAB) {
      const text = stat?.isFile ? await fs.readTextOrNull(file) : null;
      if (text?.split('\n').some((line) => line.startsWith(FSTAB_MARKER))) plan.restoreFstab.push({ component: id, path: file });
    } else if (stat?.isDirectory) {
      keep(file, 'it is a directory now, and reset removes files only', false);
      continue;
    } else if (backup && !(await fs.stat(backup.backup))?.isFile) {
      // Without the original, kjoin's version is better than no file at all.
      keep(file, `its original cannot be restored: the backup ${backup.backup} is missing`, false);
    } else if (backup) {
      plan.restore.push({ component: id, path: file, backup: backup.backup, mode: backup.mode });
    } else if (stat) {
      plan.remove.push({ component: id, path: file });
    }
    if (backup && (await fs.exists(backup.backup))) {
      const unsafeBackup = explainUnsafePath(backup.backup, mountPoints);
      if (unsafeBackup) keep(backup.backup, unsafeBackup, true);
      else plan.removeBackups.push({ component: id, path: backup.backup, original: file });
    }
  }
}

async function planUnmask(input: PlanInput): Promise<string[]> {
  const masked = [...new Set(Object.values(input.state.components).flatMap((c) => c.masked))];
  const out: string[] = [];
  for (const unit of masked) if ((await input.systemd.isEnabled(unit)) === 'masked') out.push(unit);
  return out;
}

/** Files a join leaves that no step records (the kubelet's own credential), listed so the operator knows. */
async function listUnrecorded(input: PlanInput, interfaces: readonly string[]): Promise<string[]> {
  const recorded = new Set(Object.values(input.state.components).flatMap((c) => c.files.map((f) => f.path)));
  const candidates = [PATHS.kubeletKubeconfig, '/var/lib/kubelet/pki', ...interfaces.map(setconfPathFor), SCALEWAY_CACHE_PATH];
  const out: string[] = [];
  for (const file of candidates) if (!recorded.has(file) && (await input.fs.exists(file))) out.push(file);
  return out;
}

export async function planReset(input: PlanInput): Promise<ResetPlan> {
  const plan: ResetPlan = { units: [], interfaces: [], remove: [], restore: [], restoreFstab: [], removeBackups: [], unmask: [], kept: [], unrecorded: [] };
  plan.units = await planUnits(input);
  const recordedInterfaces = listRecordedInterfaces(input.state);
  for (const iface of recordedInterfaces) if (await linkExists(input.exec, iface)) plan.interfaces.push(iface);
  for (const id of Object.keys(input.state.components)) await planComponentFiles(input, id, plan);
  plan.unmask = await planUnmask(input);
  plan.unrecorded = await listUnrecorded(input, recordedInterfaces);
  return plan;
}

/** True when the plan changes nothing on the host (kept paths and reports aside). */
export function isEmptyPlan(plan: ResetPlan): boolean {
  return [plan.units, plan.interfaces, plan.remove, plan.restore, plan.restoreFstab, plan.removeBackups, plan.unmask].every((list) => list.length === 0);
}
