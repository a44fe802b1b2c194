import { Option, type Command } from 'commander';
import type { OptionSpec } from '../config/options.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the table's options (those that have a flag) to a command; env-only secrets are never flags. */
export function addTableOptions(command: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    if (!spec.flag) continue;
    const envText = spec.env ? ` [env ${spec.env}]` : '';
    const defaultText = spec.defaultText ? ` (default: ${spec.defaultText})` : '';
    const option = new Option(spec.flag, `${spec.description}${defaultText}${envText}`);
    if (spec.kind === 'list') option.argParser(collect);
    command.addOption(option);
  }
  return command;
}

/** The environment-only settings, listed under --help so that secrets have a documented way in. */
export function describeEnvOnly(specs: readonly OptionSpec[]): string {
  const rows = specs.filter((s) => !s.flag && s.env).map((s) => `  ${s.env!.padEnd(22)} ${s.description}`);
  return rows.length ? `\nEnvironment only:\n${rows.join('\n')}\n` : '';
}
