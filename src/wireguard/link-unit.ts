import { renderHashHeader, configError } from '../render/common.js';
import { planConfigureCommands, planCreateCommand, requireInterfaceName, setconfPathFor, type LinkCommand, type LinkMode } from './link.js';
import type { QuickSettings } from './quick-conf.js';

/**
 * The systemd unit that brings the interface back after a reboot with exactly the commands bringUpLink runs.
 * A oneshot with RemainAfterExit: for wireguard-go the daemon it forks stays in the unit's cgroup (as with
 * wg-quick@.service), and stopping the unit deletes the link, which also ends wireguard-go.
 * `wg setconf` reads the stripped config from the 0600 file bringUpLink writes (setconfPathFor).
 */

export interface WireguardUnitInput {
  interfaceName: string;
  mode: LinkMode;
  settings: QuickSettings;
  /** Absolute paths (systemd runs ExecStart without a shell): resolve them with exec.which. */
  binaries: { ip: string; wg: string; wireguardGo?: string };
}

export function wireguardUnitName(iface: string): string {
  requireInterfaceName(iface);
  // '=' and '+' are valid in interface names but not in unit names; refuse rather than escape.
  if (!/^[A-Za-z0-9_.-]+$/.test(iface)) throw configError(`WireGuard interface name ${JSON.stringify(iface)} cannot be part of a systemd unit name`, 'use letters, digits, "_", "." or "-" (e.g. kilo0)');
  return `kjoin-wireguard-${iface}.service`;
}

/** systemd expands "%" specifiers and splits on whitespace; none of our arguments may contain either. */
function renderExecLine(command: LinkCommand, binaries: WireguardUnitInput['binaries'], ignoreFailure = false): string {
  const binary = command.command === 'ip' ? binaries.ip : command.command === 'wg' ? binaries.wg : binaries.wireguardGo;
  if (binary === undefined || !binary.startsWith('/')) {
    throw configError(`the systemd unit needs the absolute path of ${command.command}`, `install ${command.command === 'wireguard-go' ? 'wireguard-go' : command.command === 'wg' ? 'wireguard-tools' : 'iproute2'}`);
  }
  for (const word of [binary, ...command.args]) {
    if (/[\s%"'\\;]/.test(word)) throw configError(`a WireGuard unit argument contains a character systemd would interpret: ${JSON.stringify(word)}`, 'use plain interface names, paths and CIDRs');
  }
  return `${ignoreFailure ? '-' : ''}${[binary, ...command.args].join(' ')}`;
}

export function renderWireguardUnit(input: WireguardUnitInput): string {
  const iface = input.interfaceName;
  wireguardUnitName(iface);
  const remove: LinkCommand = { command: 'ip', args: ['link', 'delete', 'dev', iface] };
  const start = [planCreateCommand(iface, input.mode), ...planConfigureCommands(iface, input.settings, setconfPathFor(iface))];
  const lines = [
    renderHashHeader().trimEnd(),
    '[Unit]',
    `Description=WireGuard interface ${iface} (kjoin, ${input.mode === 'kernel' ? 'kernel module' : 'wireguard-go'})`,
    'Documentation=man:wg(8)',
    // The tunnel carries the node's traffic to the control plane: up before the kubelet starts.
    'Wants=network-online.target',
    'After=network-online.target',
    'Before=kubelet.service',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    // A leftover link (crash, manual test) would make "ip link add" fail: start from a clean slate.
    `ExecStartPre=${renderExecLine(remove, input.binaries, true)}`,
    ...start.map((command) => `ExecStart=${renderExecLine(command, input.binaries)}`),
    `ExecStop=${renderExecLine(remove, input.binaries, true)}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return `${lines.join('\n')}\n`;
}
