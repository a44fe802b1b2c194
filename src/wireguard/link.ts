import * as path from 'node:path';
import { KjoinError } from '../errors.js';
import { configError } from '../render/common.js';
import type { Exec } from '../io/exec.js';
import type { FileSystem } from '../io/fs.js';
import type { Facts } from '../facts/types.js';
import { readQuickSettings, stripQuickConf, type QuickSettings } from './quick-conf.js';
import { planPeerRoutes } from './routes.js';

/**
 * Brings a WireGuard interface up from a wg-quick style config, the way wg-quick would but without its
 * DNS/Table/hook features: create the link (kernel module or wireguard-go), `wg setconf` with the stripped
 * config, addresses, MTU, up, peer routes. Every command goes through the Exec port; wrap it with
 * netnsExec to work inside a network namespace.
 *
 * The stripped config goes to a 0600 file next to the wg-quick one, never argv or /tmp. It cannot go on
 * stdin: Node gives children a socket, not a pipe, as stdin, and wg's fopen("/dev/stdin") fails on a socket
 * (ENXIO). The systemd unit reads the same file at boot.
 */

/** kernel: `ip link add ... type wireguard`; userspace: wireguard-go makes a TUN device and serves wg's socket. */
export type LinkMode = 'kernel' | 'userspace';

export interface LinkCommand {
  command: 'ip' | 'wg' | 'wireguard-go';
  args: string[];
}

/** wg-quick's rule for interface names (IFNAMSIZ is 16 with the terminating NUL). */
const INTERFACE_NAME = /^[a-zA-Z0-9_=+.-]{1,15}$/;

export function requireInterfaceName(name: string): string {
  if (!INTERFACE_NAME.test(name)) {
    throw configError(`WireGuard interface name ${JSON.stringify(name)} is invalid`, 'use at most 15 letters, digits or _=+.- (e.g. kilo0)');
  }
  return name;
}

/** Kernel module when the host has it (faster, no extra daemon), else wireguard-go. */
export function chooseLinkMode(wireguard: Facts['wireguard']): LinkMode {
  if (wireguard.kernel) return 'kernel';
  if (wireguard.userspace) return 'userspace';
  throw new KjoinError('preflight', 'this host has neither the WireGuard kernel module nor wireguard-go', {
    hint: 'install wireguard-go (or a kernel with CONFIG_WIREGUARD) and run kjoin again',
  });
}

export function planCreateCommand(iface: string, mode: LinkMode): LinkCommand {
  requireInterfaceName(iface);
  return mode === 'kernel' ? { command: 'ip', args: ['link', 'add', 'dev', iface, 'type', 'wireguard'] } : { command: 'wireguard-go', args: [iface] };
}

/** `/etc/wireguard/<if>.setconf`: the wg(8)-only config (`wg-quick strip` output). Holds the private key. */
export function setconfPathFor(iface: string): string {
  return `/etc/wireguard/${requireInterfaceName(iface)}.setconf`;
}

/**
 * The commands after the link exists; `setconfFile` is the host path `wg setconf` reads. Idempotent:
 * `replace` forms, and setconf replaces the interface's whole WireGuard state.
 */
export function planConfigureCommands(iface: string, settings: QuickSettings, setconfFile: string): LinkCommand[] {
  requireInterfaceName(iface);
  const commands: LinkCommand[] = [{ command: 'wg', args: ['setconf', iface, setconfFile] }];
  for (const address of settings.addresses) commands.push({ command: 'ip', args: ['address', 'replace', address, 'dev', iface] });
  commands.push({ command: 'ip', args: ['link', 'set', 'dev', iface, ...(settings.mtu === undefined ? [] : ['mtu', String(settings.mtu)]), 'up'] });
  for (const route of planPeerRoutes(settings)) commands.push({ command: 'ip', args: ['route', 'replace', route, 'dev', iface] });
  return commands;
}

/** A command as the operator would type it (no command carries a secret: keys stay in files). */
export function describeCommand(command: LinkCommand): string {
  return [command.command, ...command.args].join(' ');
}

/**
 * wg quotes a bad value back ("Key is not the correct length or format: `...'"), which could be key
 * material: drop every quoted span before the message goes anywhere.
 */
function sanitiseStderr(stderr: string): string {
  const line = stderr.split('\n').find((text) => text.trim() !== '' && !/^[┌│└]/.test(text.trim()))?.trim() ?? '';
  return line.replace(/`[^']*'/g, '`…\'').replace(/"[A-Za-z0-9+/]{43}="/g, '"…"');
}

async function runLinkCommand(exec: Exec, command: LinkCommand): Promise<void> {
  const result = await exec.run(command.command, command.args, { timeoutMs: 30_000 });
  if (result.exitCode === 0) return;
  const reason = sanitiseStderr(result.stderr) || `exit code ${result.exitCode}`;
  throw new KjoinError('step-failed', `${describeCommand(command)} failed: ${reason}`, {
    hint:
      command.command === 'wireguard-go'
        ? 'wireguard-go needs /dev/net/tun (in a container: --device /dev/net/tun and CAP_NET_ADMIN)'
        : result.exitCode === 127
          ? `install ${command.command === 'wg' ? 'wireguard-tools' : 'iproute2'}`
          : 'run the command by hand to see the whole error',
  });
}

export async function linkExists(exec: Exec, iface: string): Promise<boolean> {
  return (await exec.run('ip', ['link', 'show', 'dev', requireInterfaceName(iface)])).exitCode === 0;
}

export interface BringUpOptions {
  mode: LinkMode;
  /** Where the stripped config is written (0600); defaults to setconfPathFor(iface). */
  setconfPath?: string;
  /** One call per command, before it runs (no secrets: the command line only). */
  onProgress?: (message: string) => void;
}

/**
 * Brings `iface` up from the wg-quick style `conf`. An existing link is reused rather than recreated (no
 * traffic drop, and wireguard-go keeps running); `wg setconf` then replaces its whole WireGuard state.
 * Returns whether the link had to be created.
 */
export async function bringUpLink(exec: Exec, fs: FileSystem, iface: string, conf: string, options: BringUpOptions): Promise<{ created: boolean }> {
  const settings = readQuickSettings(conf);
  const setconfPath = options.setconfPath ?? setconfPathFor(iface);
  // wg runs on the host, so it needs the path under the FileSystem's root (--host-root).
  const hostPath = fs.root === '/' ? setconfPath : path.posix.join(fs.root, setconfPath);
  const commands = planConfigureCommands(iface, settings, hostPath);
  await fs.writeAtomic(setconfPath, stripQuickConf(conf), 0o600);
  const created = !(await linkExists(exec, iface));
  if (created) commands.unshift(planCreateCommand(iface, options.mode));
  for (const command of commands) {
    options.onProgress?.(describeCommand(command));
    await runLinkCommand(exec, command);
  }
  return { created };
}

/** Removes the interface (wireguard-go exits when its TUN device goes away). No-op when it does not exist. */
export async function tearDownLink(exec: Exec, iface: string): Promise<boolean> {
  if (!(await linkExists(exec, iface))) return false;
  await runLinkCommand(exec, { command: 'ip', args: ['link', 'delete', 'dev', iface] });
  return true;
}
