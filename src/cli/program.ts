import { Command, type CommanderError } from 'commander';
import { GLOBAL_OPTIONS } from '../config/options.js';
import { EXIT_CODE_TABLE } from '../errors.js';
import { VERSION } from '../version.js';
import { addTableOptions } from './commander-options.js';
import type { CommandEnv } from './command-env.js';
import { registerFacts } from './facts.js';
import { registerJoin } from './join.js';
import { registerKeys } from './keys.js';
import { registerLeave } from './leave.js';
import { registerReset } from './reset.js';
import { registerUpgrade } from './upgrade.js';
import { registerStatus } from './status.js';
import { registerDebug } from './debug.js';
import { registerCloudInit } from './cloud-init.js';
import { registerCompletion } from './completion.js';
import { registerPreflight } from './preflight.js';

export const EXIT_CODES_HELP = `\nExit codes:\n${EXIT_CODE_TABLE.map((r) => `  ${String(r.code).padStart(3)}  ${r.meaning}`).join('\n')}\n`;

/** Builds the commander program. Commands return or throw; bin/kjoin.ts owns the one catch and the exit code. */
export function buildProgram(env: CommandEnv): Command {
  const program = new Command('kjoin')
    .description('Turn this Linux host into a Kubernetes worker node of a remote cluster.')
    .version(VERSION, '-V, --version', 'print the kjoin version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => env.io.stdout.write(text),
      writeErr: (text) => env.io.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error:/, 'kjoin: error:')),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `\nExamples:\n  kjoin facts\n  kjoin preflight --server https://10.0.0.1:6443\n  KJOIN_TOKEN=abcdef.0123456789abcdef kjoin join --server https://api.example.com:6443 \\\n      --discovery-token-ca-cert-hash sha256:<hex> --label provider=hetzner --dry-run\n${EXIT_CODES_HELP}`,
    );
  addTableOptions(program, GLOBAL_OPTIONS);
  registerFacts(program, env);
  registerPreflight(program, env);
  registerJoin(program, env);
  registerKeys(program, env);
  registerUpgrade(program, env);
  registerLeave(program, env);
  registerReset(program, env);
  registerStatus(program, env);
  registerDebug(program, env);
  registerCloudInit(program, env);
  registerCompletion(program, env);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Maps commander's own exits (help, version, usage errors) onto kjoin's exit codes. */
export function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
  return 2;
}
