// Developer CLI around the e2e box harness (test/e2e/box): build the cached rootfs, boot a box to poke at,
// clean up after crashed runs. Run as root: `npx tsx scripts/box.ts <command>`.
import { Command, Option } from 'commander';
import { bootBox, cleanBoxes, ensureRootfs } from '../test/e2e/box/index.js';
import type { BoxArch, BoxSuite } from '../test/e2e/box/index.js';

interface RootfsFlags {
  suite: BoxSuite;
  arch: BoxArch;
  cacheDir?: string;
}

const suiteOption = () => new Option('--suite <suite>', 'Debian release').choices(['bookworm', 'trixie']).default('bookworm');
const archOption = () => new Option('--arch <arch>', 'Debian architecture (arm64 runs under qemu-user)').choices(['amd64', 'arm64']).default('amd64');
const cacheOption = () => new Option('--cache-dir <dir>', 'rootfs cache (default /var/cache/kjoin-e2e/rootfs-<suite>-<arch>)');

const program = new Command('box').description('fresh Debian boxes under systemd-nspawn, for kjoin e2e tests');

program
  .command('build')
  .description('debootstrap the rootfs into the cache (no-op when the cached one matches the recipe)')
  .addOption(suiteOption())
  .addOption(archOption())
  .addOption(cacheOption())
  .action(async (flags: RootfsFlags) => {
    console.log(await ensureRootfs(flags));
  });

program
  .command('shell')
  .description('boot a fresh box and leave it running; prints how to enter and stop it')
  .addOption(suiteOption())
  .addOption(archOption())
  .addOption(cacheOption())
  .option('--name <name>', 'box name prefix', 'shell')
  .action(async (flags: RootfsFlags & { name: string }) => {
    const rootfs = await ensureRootfs(flags);
    // Under qemu-user emulation systemd boots many times slower.
    const bootTimeoutMs = flags.arch === 'arm64' && process.arch !== 'arm64' ? 600_000 : undefined;
    const box = await bootBox({ rootfs, name: flags.name, stopOnExit: false, bootTimeoutMs });
    console.log(`box ${box.name} is up (systemd PID ${box.pid}, nspawn PID ${box.nspawnPid})`);
    console.log(`  enter:   nsenter -t ${box.pid} -a /bin/bash -l`);
    console.log(`  files:   ${box.rootDir}`);
    console.log(`  console: ${box.logPath}`);
    console.log(`  a server on the host's 127.0.0.1:8080 is ${box.serviceUrlFromBox(8080)} from inside`);
    console.log(`  stop:    npx tsx scripts/box.ts clean`);
  });

program
  .command('clean')
  .description('stop every box left running and delete the copies and logs')
  .option('--rootfs', 'also delete the cached rootfs trees')
  .action(async (flags: { rootfs?: boolean }) => {
    for (const path of await cleanBoxes({ rootfs: flags.rootfs })) console.log(`removed ${path}`);
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(`box: ${(error as Error).message}`);
  process.exitCode = 1;
}
