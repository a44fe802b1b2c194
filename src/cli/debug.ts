import * as path from 'node:path';
import type { Command } from 'commander';
import type { CommandEnv } from './command-env.js';

/**
 * `kjoin debug`: one 0600 .tar.gz to attach to a bug report, with facts, state, log, config, rendered files and
 * the journal of containerd and kubelet — secrets redacted, credential files left out.
 */
export function registerDebug(program: Command, env: CommandEnv): void {
  program
    .command('debug')
    .description('write a .tar.gz of diagnostics (facts, state, log, config, rendered files, unit status and journals), secrets removed')
    .option('--output-file <file>', 'where to write the bundle (mode 0600)', '/var/lib/kjoin/debug-<timestamp>.tar.gz')
    .option('--config <file>', 'the JoinConfiguration to include (redacted) [env KJOIN_CONFIG]', '/etc/kjoin/join.yaml')
    .addHelpText('after', '\nExamples:\n  sudo kjoin debug\n  sudo kjoin debug --output-file ./node-7-debug.tar.gz\n')
    .action(async (options: { outputFile: string; config: string }, command: Command) => {
      // Loaded when the command runs, so the other commands (join above all) do not start up with its modules.
      const [{ collectDebugBundle }, { defaultBundlePath, writeDebugBundle }] = await Promise.all([import('../lifecycle/debug-collect.js'), import('../lifecycle/debug-write.js')]);
      const { ports } = env.setup(command);
      const now = ports.clock.now();
      const facts = await env.detect(ports).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      const explicitConfig = command.getOptionValueSource('config') === 'cli' ? options.config : env.io.env.KJOIN_CONFIG ?? options.config;
      const bundle = await collectDebugBundle({
        fs: ports.fs,
        exec: ports.exec,
        systemd: ports.systemd,
        env: env.io.env,
        facts,
        configFile: path.posix.resolve(process.cwd(), explicitConfig),
      });
      const explicitOutput = command.getOptionValueSource('outputFile') === 'cli';
      const file = explicitOutput ? path.posix.resolve(process.cwd(), options.outputFile) : defaultBundlePath(now);
      env.io.stdout.write(`${await writeDebugBundle(ports.fs, bundle, file, now)}\n`);
      env.io.stderr.write(`kjoin: ${bundle.entries.length} files collected, ${bundle.omitted.length} left out (listed in README.txt inside); secrets redacted, still review before sharing\n`);
    });
}
