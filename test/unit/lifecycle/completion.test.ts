import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { createCommandEnv } from '../../../src/cli/command-env.js';
import { buildProgram } from '../../../src/cli/program.js';
import { CONFIG_OPTIONS } from '../../../src/config/options.js';
import { PHASES } from '../../../src/engine/phases.js';
import { describeCommandTree } from '../../../src/lifecycle/completion-model.js';
import { renderZshCompletion } from '../../../src/lifecycle/completion-zsh.js';
import { captureIo } from '../../support/cli-io.js';

const work = mkdtempSync(join(tmpdir(), 'kjoin-completion-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The real program, every command wired as bin/kjoin.ts builds it. */
function makeProgram(): { program: Command; output: () => string } {
  const { io, stdout } = captureIo();
  return { program: buildProgram(createCommandEnv(io)), output: stdout };
}

async function generate(shell: string, program = makeProgram()): Promise<string> {
  await program.program.parseAsync(['completion', shell], { from: 'user' });
  return program.output();
}

function hasShell(shell: string): boolean {
  return spawnSync(shell, ['-c', 'true']).status === 0;
}

function checkSyntax(shell: 'bash' | 'zsh', script: string): { status: number | null; stderr: string } {
  const file = join(work, `completion.${shell}`);
  writeFileSync(file, script);
  const result = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

/** Runs the bash completion function on a command line (the cursor at its end) and returns COMPREPLY. */
function completeBash(script: string, line: string): string[] {
  const file = join(work, 'kjoin.bash');
  writeFileSync(file, script);
  const words = line.split(' ');
  const driver = [
    `source ${file}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_kjoin',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const result = spawnSync('bash', ['-c', driver], { encoding: 'utf8', cwd: work });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter((w) => w !== '');
}

const JOIN_FLAGS = CONFIG_OPTIONS.filter((spec) => spec.flag !== '').map((spec) => spec.flag.split(' ')[0]!);

describe('kjoin completion bash', () => {
  it('is valid bash (bash -n) and registers the completion function', async () => {
    const script = await generate('bash');
    expect(checkSyntax('bash', script)).toEqual({ status: 0, stderr: '' });
    expect(script).toMatch(/^complete -F _kjoin kjoin$/m);
  });

  it('completes the commands, taken from the program', async () => {
    const commands = completeBash(await generate('bash'), 'kjoin ');
    for (const name of ['join', 'preflight', 'facts', 'keys', 'status', 'debug', 'cloud-init', 'completion']) expect(commands).toContain(name);
    expect(commands).toContain('--host-root');
  });

  it('lists every join flag of CONFIG_OPTIONS, and no env-only secret', async () => {
    const script = await generate('bash');
    expect(JOIN_FLAGS.length).toBeGreaterThan(10);
    const flags = completeBash(script, 'kjoin join --');
    for (const flag of JOIN_FLAGS) expect(flags).toContain(flag);
    expect(flags).toContain('--dry-run');
    expect(flags).toContain('--output'); // a program option, accepted after the command too
    expect(script).not.toMatch(/--token(\s|\||")/);
    expect(script).not.toContain('SCW_SECRET_KEY');
  });

  it('skips option values when finding the command, and completes closed value sets', async () => {
    const script = await generate('bash');
    expect(completeBash(script, 'kjoin --output plain join --server https://api.example.com:6443 --la')).toEqual(['--label']);
    expect(completeBash(script, 'kjoin join --provider ')).toEqual(['kubeadm', 'scaleway', 'file']);
    expect(completeBash(script, 'kjoin join --skip-phases ')).toEqual([...PHASES]);
    expect(completeBash(script, 'kjoin join --output j')).toEqual(['json']);
    expect(completeBash(script, 'kjoin join --server ')).toEqual([]);
  });

  it('completes nested commands, positional choices and the flags of each command', async () => {
    const script = await generate('bash');
    expect(completeBash(script, 'kjoin keys ')).toEqual(expect.arrayContaining(['generate', 'pubkey']));
    expect(completeBash(script, 'kjoin completion ')).toEqual(expect.arrayContaining(['bash', 'zsh']));
    expect(completeBash(script, 'kjoin cloud-init --binary')).toEqual(['--binary-url', '--binary-sha256']);
    expect(completeBash(script, 'kjoin status --')).toContain('--json');
    expect(completeBash(script, 'kjoin status --')).not.toContain('--server');
  });

  it('completes file names after a <file> option', async () => {
    writeFileSync(join(work, 'join-edge.yaml'), 'apiVersion: kjoin.io/v1alpha1\n');
    expect(completeBash(await generate('bash'), 'kjoin join --config join-e')).toEqual(['join-edge.yaml']);
  });

  it('follows the program: a command added later is completed without touching the renderer', async () => {
    const harness = makeProgram();
    harness.program.command('rotate-certs').option('--renew-before <days>', 'renew certificates expiring within this many days');
    const script = await generate('bash', harness);
    expect(completeBash(script, 'kjoin rot')).toEqual(['rotate-certs']);
    expect(completeBash(script, 'kjoin rotate-certs --re')).toEqual(['--renew-before']);
  });
});

describe('kjoin completion zsh', () => {
  it('declares #compdef and one function per command, with every join flag in _kjoin_join', async () => {
    const script = await generate('zsh');
    expect(script.split('\n')[0]).toBe('#compdef kjoin');
    for (const fn of ['_kjoin', '_kjoin_join', '_kjoin_keys', '_kjoin_keys_pubkey', '_kjoin_cloud_init', '_kjoin_completion']) {
      expect(script).toMatch(new RegExp(`^${fn}\\(\\) \\{$`, 'm'));
    }
    const joinFunction = /^_kjoin_join\(\) \{\n([\s\S]*?)\n\}$/m.exec(script)?.[1] ?? '';
    for (const flag of JOIN_FLAGS) expect(joinFunction).toMatch(new RegExp(`'\\*?${flag}[=[]`));
    expect(joinFunction).toContain("'*--label=[");
    expect(joinFunction).toContain(':value:(kubeadm scaleway file)');
    expect(script).toContain("'1:argument:(bash zsh)'");
  });

  it.skipIf(!hasShell('zsh'))('is valid zsh (zsh -n)', async () => {
    expect(checkSyntax('zsh', await generate('zsh'))).toEqual({ status: 0, stderr: '' });
  });

  it.skipIf(!hasShell('zsh'))('stays valid zsh when descriptions hold quotes, brackets and colons', () => {
    const program = new Command('kjoin');
    program.command('odd').description("it's [odd]: really").option('--pin <sha256:hex>', "the 'pin' [sha256]: x\\y");
    const script = renderZshCompletion(describeCommandTree(program));
    expect(checkSyntax('zsh', script)).toEqual({ status: 0, stderr: '' });
    expect(script).toContain(`'--pin=[the '\\''pin'\\'' \\[sha256\\]: x\\\\y]:sha256 hex: '`);
  });
});
