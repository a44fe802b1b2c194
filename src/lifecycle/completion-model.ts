import type { Command, Option } from 'commander';
import { CONFIG_OPTIONS } from '../config/options.js';
import { controlPlaneSchema, specSchema } from '../config/schema.js';
import { PHASES } from '../engine/phases.js';
import { OUTPUT_MODES } from '../progress/choose.js';

/**
 * The shape shell completion needs, read from the live commander program: every command, its options and
 * positional choices. The bash and zsh renderers work from this alone, so a new command or flag shows up in
 * completion without touching them.
 */

/** What completes after a value-taking option. */
export type ValueCompletion = { kind: 'file' } | { kind: 'dir' } | { kind: 'choices'; values: readonly string[] } | { kind: 'text'; name: string };

export interface CompletionOption {
  /** Spellings, long first: ['--version', '-V']. */
  names: string[];
  description: string;
  /** null for a switch. */
  value: ValueCompletion | null;
  /** May be given more than once (--label, --taint). */
  repeatable: boolean;
}

export interface CompletionCommand {
  /** Words from the program to this command: [] for the program, ['keys', 'pubkey'] for a nested one. */
  path: string[];
  name: string;
  description: string;
  options: CompletionOption[];
  /** Choices of the positional arguments, in order (empty list: free text). */
  arguments: Array<readonly string[]>;
  subcommands: CompletionCommand[];
}

/**
 * Closed value sets that commander does not know (the flags take plain strings so that the config loader,
 * not commander, reports a bad value with its hint). Taken from the same constants the loader validates with.
 */
const VALUE_SETS: Record<string, readonly string[]> = {
  output: OUTPUT_MODES,
  provider: controlPlaneSchema.shape.provider.unwrap().options,
  containerdSource: specSchema.shape.containerd.unwrap().shape.source.unwrap().options,
  skipPhases: PHASES,
};

const LIST_KEYS = new Set(CONFIG_OPTIONS.filter((spec) => spec.kind === 'list').map((spec) => spec.key));

/** "<file>" → file completion, "<dir>" → directories, a known set → its values, anything else free text. */
function describeValue(option: Option): ValueCompletion | null {
  if (!option.required && !option.optional) return null;
  if (option.argChoices?.length) return { kind: 'choices', values: option.argChoices };
  const known = VALUE_SETS[option.attributeName()];
  if (known) return { kind: 'choices', values: known };
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? 'value';
  if (placeholder === 'file') return { kind: 'file' };
  if (placeholder === 'dir') return { kind: 'dir' };
  return { kind: 'text', name: placeholder };
}

function describeOption(option: Option): CompletionOption {
  return {
    names: [option.long, option.short].filter((name): name is string => typeof name === 'string'),
    description: option.description,
    value: describeValue(option),
    repeatable: LIST_KEYS.has(option.attributeName()) || option.variadic,
  };
}

const HELP: CompletionOption = { names: ['--help', '-h'], description: 'display help for command', value: null, repeatable: false };

/**
 * Describes `command` and everything under it. `inherited` are the program's options, which commander accepts
 * after a subcommand too (--output, --host-root).
 */
export function describeCommandTree(command: Command, path: string[] = [], inherited: CompletionOption[] = []): CompletionCommand {
  const own = command.options.filter((option) => !option.hidden).map(describeOption);
  const globals = path.length === 0 ? own.filter((o) => !o.names.includes('--version')) : inherited;
  const options = [...own, ...(path.length === 0 ? [] : inherited.filter((g) => !own.some((o) => o.names[0] === g.names[0]))), HELP];
  return {
    path,
    name: path.at(-1) ?? command.name(),
    description: command.description(),
    options,
    arguments: command.registeredArguments.map((argument) => argument.argChoices ?? []),
    subcommands: command.commands.map((sub) => describeCommandTree(sub, [...path, sub.name()], globals)),
  };
}

/** Every command in the tree, the program first, parents before their children. */
export function listCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.subcommands.flatMap(listCommands)];
}
