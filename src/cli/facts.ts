import type { Command } from 'commander';
import type { Facts } from '../facts/types.js';
import type { CommandEnv } from './command-env.js';

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** Human view of the facts; `--json` prints the object itself. */
export function formatFacts(facts: Facts): string {
  const addresses = facts.addresses.map((a) => `${a.interface} ${a.address} (${a.scope})`).join(', ') || 'none';
  const rows: Array<[string, string]> = [
    ['os', `${facts.os.prettyName ?? facts.os.name} [id ${facts.os.id}, version ${facts.os.versionId ?? 'none'}, family ${facts.os.family}]`],
    ['support', `${facts.os.support}: ${facts.os.supportReason}`],
    ['package manager', facts.packageManager ?? 'unknown'],
    ['arch', facts.arch ?? `unsupported (${facts.rawArch})`],
    ['kernel', facts.kernel],
    ['cpus', String(facts.cpus)],
    ['memory', formatBytes(facts.memoryBytes)],
    ['swap', facts.swapBytes > 0 ? formatBytes(facts.swapBytes) : 'off'],
    ['cgroup', facts.cgroup.version ? `v${facts.cgroup.version}` : 'not found'],
    ['init', facts.initSystem],
    ['cloud', facts.cloud.provider ?? `unknown${facts.cloud.vendor ? ` (vendor ${facts.cloud.vendor})` : ''}`],
    ['hostname', facts.hostname],
    ['addresses', addresses],
    ['wireguard', `kernel ${facts.wireguard.kernel ? 'yes' : 'no'}, userspace ${facts.wireguard.userspace ? 'yes' : 'no'}`],
    ['apparmor', `${facts.apparmor.enabled ? 'enabled' : 'disabled'}, parser ${facts.apparmor.parser ? 'present' : 'missing'}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

export function registerFacts(program: Command, env: CommandEnv): void {
  program
    .command('facts')
    .description('print what kjoin detects about this host (OS, arch, memory, cgroup, cloud, addresses, WireGuard, AppArmor)')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', '\nExamples:\n  kjoin facts\n  kjoin facts --json | jq .os\n  kjoin facts --json --host-root /mnt/host   # a host mounted into a container\n')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { ports } = env.setup(command);
      const facts = await env.detect(ports);
      env.io.stdout.write(options.json ? `${JSON.stringify(facts, null, 2)}\n` : formatFacts(facts));
    });
}
