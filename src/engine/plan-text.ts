import type { StepOutcome } from './runner.js';

const MARK: Record<string, string> = {
  needed: 'needed',
  done: 'done',
  'not-implemented': 'not implemented',
  skipped: 'skipped',
};

function indent(text: string, prefix: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

/** The dry-run plan as a document for people: phases, steps, and what each would write, run and download. */
export function formatPlanText(outcomes: readonly StepOutcome[]): string {
  const lines: string[] = ['Plan (dry run: nothing on this host was changed)'];
  let phase = '';
  for (const outcome of outcomes) {
    if (outcome.phase !== phase) {
      phase = outcome.phase;
      lines.push('', `phase ${phase}`);
    }
    lines.push(`  [${MARK[outcome.status] ?? outcome.status}] ${outcome.id}: ${outcome.message ?? outcome.title}`);
    const plan = outcome.plan;
    if (!plan) continue;
    for (const note of plan.notes) lines.push(`      - ${note}`);
    for (const file of plan.files) {
      lines.push(`      ${file.action} ${file.path} (mode ${file.mode})${file.secret ? ' [secret: content not shown]' : ''}`);
      if (file.diff) lines.push(indent(file.diff, '        | '));
      else if (file.content !== undefined && file.action === 'create') lines.push(indent(file.content, '        | '));
    }
    for (const command of plan.commands) lines.push(`      run ${command}`);
    for (const download of plan.downloads) {
      lines.push(`      download ${download.url} -> ${download.path} (mode ${download.mode}, sha256 from ${download.sha256From})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
