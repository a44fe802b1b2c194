import { createHash } from 'node:crypto';
import { z } from 'zod';
import { KjoinError } from '../errors.js';
import type { FileSystem } from '../io/fs.js';

/**
 * /var/lib/kjoin/state.json (0600): what kjoin installed and wrote, per component, so that check() can compare
 * the host with the record, reset can remove exactly what was written, and status can report the last run.
 * It never holds a secret: files are recorded by path, sha256 and mode only.
 */

export const STATE_DIR = '/var/lib/kjoin';
export const STATE_FILE = `${STATE_DIR}/state.json`;
export const BACKUP_DIR = `${STATE_DIR}/backup`;
/** Verified downloads waiting to be moved or unpacked into place. */
export const CACHE_DIR = `${STATE_DIR}/cache`;

const fileRecordSchema = z.object({ path: z.string(), sha256: z.string(), mode: z.number().int() });

const backupSchema = z.object({ path: z.string(), backup: z.string(), mode: z.number().int() });

const componentSchema = z.object({
  version: z.string().optional(),
  source: z.string().optional(),
  files: z.array(fileRecordSchema).default([]),
  /** Files that existed before kjoin replaced them, copied under BACKUP_DIR so reset can restore them. */
  backups: z.array(backupSchema).default([]),
  units: z.array(z.string()).default([]),
  /** Distribution packages kjoin installed, and optional ones no repository offered. */
  packages: z.array(z.string()).default([]),
  skippedPackages: z.array(z.string()).default([]),
  /** The provider's record of this node (e.g. the Kosmos node id), for leave. Never a secret. */
  registration: z.record(z.string(), z.string()).optional(),
  /** Units kjoin masked (swap), for reset to unmask. */
  masked: z.array(z.string()).default([]),
  updatedAt: z.string(),
});

const lastRunSchema = z.object({
  command: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  result: z.enum(['ok', 'failed', 'interrupted']),
  failedStep: z.string().optional(),
  message: z.string().optional(),
});

const stateSchema = z.object({
  version: z.literal(1),
  components: z.record(z.string(), componentSchema).default({}),
  lastRun: lastRunSchema.optional(),
});

export type FileRecord = z.infer<typeof fileRecordSchema>;
export type BackupRecord = z.infer<typeof backupSchema>;
export type ComponentRecord = z.infer<typeof componentSchema>;
export type LastRun = z.infer<typeof lastRunSchema>;
export type KjoinState = z.infer<typeof stateSchema>;

export function sha256Hex(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export class StateStore {
  /** The last save in flight; the next one starts after it. */
  private saving: Promise<void> = Promise.resolve();
  private order: string[] = [];

  private constructor(
    private readonly fs: FileSystem,
    private data: KjoinState,
    readonly existed: boolean,
  ) {}

  /** Loads the state file; a missing file is an empty state, a damaged one an error with a way out. */
  static async load(fs: FileSystem): Promise<StateStore> {
    const text = await fs.readTextOrNull(STATE_FILE);
    if (text === null) return new StateStore(fs, { version: 1, components: {} }, false);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new KjoinError('step-failed', `${STATE_FILE} is not valid JSON`, {
        hint: `move it aside (mv ${STATE_FILE} ${STATE_FILE}.bad) and run kjoin again; kjoin re-checks the host itself`,
      });
    }
    const parsed = stateSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new KjoinError('step-failed', `${STATE_FILE}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`, {
        hint: `move it aside (mv ${STATE_FILE} ${STATE_FILE}.bad) and run kjoin again`,
      });
    }
    return new StateStore(fs, parsed.data, true);
  }

  static empty(fs: FileSystem): StateStore {
    return new StateStore(fs, { version: 1, components: {} }, false);
  }

  get snapshot(): KjoinState {
    return structuredClone(this.data);
  }

  component(id: string): ComponentRecord | undefined {
    return this.data.components[id];
  }

  recordComponent(id: string, record: Partial<Omit<ComponentRecord, 'updatedAt'>>, now: Date): void {
    this.data.components[id] = { files: [], backups: [], units: [], masked: [], packages: [], skippedPackages: [], ...record, updatedAt: now.toISOString() };
    if (this.order.length) this.sortComponents();
  }

  /**
   * Keeps the components in this order (the join's steps), whatever order steps running side by side finish in,
   * so state.json and what reset does with it read the same on every host. Ids not named go last.
   */
  orderComponents(ids: readonly string[]): void {
    this.order = [...ids];
    this.sortComponents();
  }

  private sortComponents(): void {
    const rank = (id: string) => {
      const index = this.order.indexOf(id);
      return index === -1 ? this.order.length : index;
    };
    const ids = Object.keys(this.data.components).sort((a, b) => rank(a) - rank(b));
    this.data.components = Object.fromEntries(ids.map((id) => [id, this.data.components[id]!]));
  }

  recordRun(run: LastRun): void {
    this.data.lastRun = run;
  }

  /** True when the file on disk still has the content and mode kjoin recorded for it. */
  async fileMatches(record: FileRecord): Promise<boolean> {
    const stat = await this.fs.stat(record.path);
    if (!stat || !stat.isFile || stat.mode !== record.mode) return false;
    return sha256Hex(await this.fs.readBytes(record.path)) === record.sha256;
  }

  /**
   * Writes the state file. Steps running side by side save at once: writes go one after another, each of the
   * record as it is when its turn comes, so the last rename always holds the latest record.
   */
  save(): Promise<void> {
    const write = async () => {
      await this.fs.mkdir(STATE_DIR, 0o700);
      await this.fs.writeAtomic(STATE_FILE, `${JSON.stringify(this.data, null, 2)}\n`, 0o600);
    };
    const next = this.saving.then(write, write);
    this.saving = next.catch(() => undefined);
    return next;
  }
}
