import type { Command } from 'commander';
import { resolveProxy, type CommandEnv } from './command-env.js';

/**
 * `kjoin status`: what is installed, running and registered, read-only. Exits 0 whatever the node's state
 * (an unjoined host or an unreachable API server is an answer, not an error), and works as non-root where
 * the files allow it.
 */
export function registerStatus(program: Command, env: CommandEnv): void {
  program
    .command('status')
    .description('show installed components, service states, node registration and readiness, WireGuard handshakes and the last run')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', '\nExamples:\n  kjoin status\n  sudo kjoin status --json | jq .node.api\n')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { ports } = env.setup(command);
      const [{ collectStatus }, { formatStatus }] = await Promise.all([import('../lifecycle/status-collect.js'), import('../lifecycle/status-format.js')]);
      const status = await collectStatus({
        fs: ports.fs,
        exec: ports.exec,
        systemd: ports.systemd,
        makeHttp: () => ports.makeHttp(resolveProxy(env.io.env, {})),
        signal: env.io.signal,
        isRoot: env.io.isRoot,
      });
      env.io.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, ports.clock.now()));
    });
}
