import { StateStore, type KjoinState } from '../engine/state.js';
import type { FileSystem } from '../io/fs.js';

/**
 * What a reset could not undo yet: files under a mount point, actions that failed. state.json is rewritten with
 * exactly these records, so `kjoin reset` run again tries them again and nothing else; when nothing is left the
 * file goes.
 */
export interface Unfinished {
  /** Recorded file paths still in place (their backup, if any, is kept with them). */
  files: Set<string>;
  /** Backup copies still on disk although their original is back. */
  backups: Set<string>;
  units: Set<string>;
  masked: Set<string>;
}

export function createUnfinished(): Unfinished {
  return { files: new Set(), backups: new Set(), units: new Set(), masked: new Set() };
}

export function isFinished(unfinished: Unfinished): boolean {
  return [unfinished.files, unfinished.backups, unfinished.units, unfinished.masked].every((set) => set.size === 0);
}

/** A state store holding only the unfinished part of `state`, component by component. */
export function buildRemainingState(fs: FileSystem, state: KjoinState, unfinished: Unfinished, now: Date): StateStore {
  const store = StateStore.empty(fs);
  for (const [id, component] of Object.entries(state.components)) {
    const files = component.files.filter((f) => unfinished.files.has(f.path));
    const backups = component.backups.filter((b) => unfinished.files.has(b.path) || unfinished.backups.has(b.backup));
    const units = component.units.filter((u) => unfinished.units.has(u));
    const masked = component.masked.filter((u) => unfinished.masked.has(u));
    if (files.length + backups.length + units.length + masked.length === 0) continue;
    store.recordComponent(id, { version: component.version, source: component.source, files, backups, units, masked }, now);
  }
  return store;
}
