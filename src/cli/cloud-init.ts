import type { Command } from 'commander';
import { CONFIG_OPTIONS } from '../config/options.js';
import type { CloudInitOptions } from '../lifecycle/cloud-init-input.js';
import { VERSION } from '../version.js';
import { addTableOptions, describeEnvOnly } from './commander-options.js';
import type { CommandEnv } from './command-env.js';

/**
 * `kjoin cloud-init`: prints #cloud-config userdata that installs a pinned kjoin binary and runs the join at
 * first boot. It takes the join's own flags; the token comes from KJOIN_TOKEN (or --token-file-source) and
 * ends up in the userdata, which is therefore a secret: said on stderr every time.
 */
export function registerCloudInit(program: Command, env: CommandEnv): void {
  const command = program
    .command('cloud-init')
    .description('print #cloud-config userdata that downloads and verifies kjoin, then joins this cluster at first boot')
    .option('--binary-url <url>', 'https:// URL of the kjoin binary for the node (kjoin-linux-amd64 or kjoin-linux-arm64)')
    .option('--binary-sha256 <hex>', 'SHA-256 of that binary (64 hex characters), checked with sha256sum -c before it is installed')
    .option('--token-file-source <file>', 'read the bootstrap token from this local file instead of KJOIN_TOKEN');
  addTableOptions(command, CONFIG_OPTIONS);
  command
    .addHelpText(
      'after',
      `${describeEnvOnly(CONFIG_OPTIONS)}\nHere --token-file names the token's path on the node (default /etc/kjoin/token), and --config a local base\nfile: this machine's own /etc/kjoin/join.yaml is never read.\n` +
        '\nExamples:\n  KJOIN_TOKEN=abcdef.0123456789abcdef kjoin cloud-init --server https://api.example.com:6443 \\\n' +
        '      --discovery-token-ca-cert-hash sha256:<hex> --binary-url https://example.com/kjoin-linux-amd64 \\\n' +
        '      --binary-sha256 <hex> > userdata.yaml\n' +
        '  POOL_ID=... POOL_REGION=fr-par SCW_SECRET_KEY=... kjoin cloud-init --provider scaleway --binary-url ... --binary-sha256 ...\n',
    )
    .action(async (options: CloudInitOptions, cmd: Command) => {
      const { ports } = env.setup(cmd);
      const [{ buildCloudInitInput }, { renderCloudInit }] = await Promise.all([import('../lifecycle/cloud-init-input.js'), import('../lifecycle/cloud-init-userdata.js')]);
      const { userdata, warnings } = await buildCloudInitInput({ fs: ports.fs, env: env.io.env, options, cwd: process.cwd(), version: VERSION });
      for (const warning of warnings) env.io.stderr.write(`kjoin: warning: ${warning}\n`);
      if (userdata.secretFiles.length > 0) {
        env.io.stderr.write('kjoin: warning: this userdata holds a secret (the join credential): treat it as one — do not commit it, and restrict who can read the instance metadata\n');
      }
      env.io.stdout.write(renderCloudInit(userdata));
    });
}
