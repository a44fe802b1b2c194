import type { FileSystem } from '../io/fs.js';
import type { StepPlan } from './step.js';

/** A step's plan compared with the host, as --dry-run shows it. Pure data: renderers decide the layout. */

export interface DescribedFile {
  path: string;
  /** Octal, e.g. "0644". */
  mode: string;
  action: 'create' | 'update' | 'chmod' | 'unchanged';
  /** The new content; absent for secret files (only path and mode are shown). */
  content?: string;
  /** Unified diff against the file on disk, for updates of non-secret files. */
  diff?: string;
  secret?: boolean;
}

export interface DescribedPlan {
  files: DescribedFile[];
  commands: string[];
  downloads: Array<{ url: string; path: string; mode: string; sha256From: string }>;
  notes: string[];
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/** Shell-quotes an argv for display only (kjoin never runs commands through a shell). */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export async function describePlan(plan: StepPlan, fs: FileSystem): Promise<DescribedPlan> {
  const files: DescribedFile[] = [];
  for (const file of plan.files) {
    const stat = await fs.stat(file.path);
    const current = stat?.isFile ? await fs.readTextOrNull(file.path) : null;
    const mode = formatMode(file.mode);
    let action: DescribedFile['action'];
    if (current === null) action = 'create';
    else if (current !== file.content) action = 'update';
    else if (stat && stat.mode !== file.mode) action = 'chmod';
    else action = 'unchanged';

    if (file.secret) {
      files.push({ path: file.path, mode, action, secret: true });
    } else if (action === 'update' && current !== null) {
      const { createTwoFilesPatch } = await import('diff'); // dry-run only
      const diff = createTwoFilesPatch(file.path, file.path, current, file.content, 'on disk', 'planned', { context: 2 });
      files.push({ path: file.path, mode, action, content: file.content, diff: diff.split('\n').slice(2).join('\n') });
    } else {
      files.push({ path: file.path, mode, action, content: file.content });
    }
  }
  return {
    files,
    commands: plan.commands.map(formatCommand),
    downloads: plan.downloads.map((d) => ({ url: d.url, path: d.path, mode: formatMode(d.mode), sha256From: d.sha256From })),
    notes: [...plan.notes],
  };
}
