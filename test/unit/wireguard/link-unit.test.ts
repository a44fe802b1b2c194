import { describe, expect, it } from 'vitest';
import { MANAGED_BY } from '../../../src/render/common.js';
import { setconfPathFor } from '../../../src/wireguard/link.js';
import { renderWireguardUnit, wireguardUnitName } from '../../../src/wireguard/link-unit.js';
import type { QuickSettings } from '../../../src/wireguard/quick-conf.js';

const settings: QuickSettings = {
  addresses: ['10.4.0.7/16'],
  mtu: 1420,
  peers: [{ publicKey: 'unused-by-the-unit', allowedIPs: ['10.4.0.1/32', '10.244.0.0/24'] }],
};
const binaries = { ip: '/usr/sbin/ip', wg: '/usr/bin/wg', wireguardGo: '/usr/bin/wireguard-go' };

/** A minimal systemd INI parser: section → key → values in order (Exec* keys repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const unit: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      unit[section] = {};
      continue;
    }
    const eq = line.indexOf('=');
    expect(eq, `line "${line}" is Key=Value`).toBeGreaterThan(0);
    (unit[section]![line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return unit;
}

describe('renderWireguardUnit', () => {
  it('renders a oneshot unit that recreates the kernel link with the same commands as bringUpLink', () => {
    const text = renderWireguardUnit({ interfaceName: 'kilo0', mode: 'kernel', settings, binaries });
    expect(text.split('\n')[0]).toBe(`# ${MANAGED_BY}`);
    const unit = parseUnit(text);
    expect(unit.Unit).toMatchObject({ After: ['network-online.target'], Wants: ['network-online.target'], Before: ['kubelet.service'] });
    expect(unit.Service).toMatchObject({ Type: ['oneshot'], RemainAfterExit: ['yes'] });
    expect(unit.Service!.ExecStartPre).toEqual(['-/usr/sbin/ip link delete dev kilo0']);
    expect(unit.Service!.ExecStart).toEqual([
      '/usr/sbin/ip link add dev kilo0 type wireguard',
      '/usr/bin/wg setconf kilo0 /etc/wireguard/kilo0.setconf',
      '/usr/sbin/ip address replace 10.4.0.7/16 dev kilo0',
      '/usr/sbin/ip link set dev kilo0 mtu 1420 up',
      '/usr/sbin/ip route replace 10.4.0.1/32 dev kilo0',
      '/usr/sbin/ip route replace 10.244.0.0/24 dev kilo0',
    ]);
    expect(unit.Service!.ExecStop).toEqual(['-/usr/sbin/ip link delete dev kilo0']);
    expect(unit.Install).toEqual({ WantedBy: ['multi-user.target'] });
  });

  it('starts wireguard-go in userspace mode', () => {
    const unit = parseUnit(renderWireguardUnit({ interfaceName: 'wg1', mode: 'userspace', settings: { ...settings, mtu: undefined }, binaries }));
    expect(unit.Service!.ExecStart![0]).toBe('/usr/bin/wireguard-go wg1');
    expect(unit.Service!.ExecStart).toContain('/usr/sbin/ip link set dev wg1 up');
    expect(unit.Unit!.Description![0]).toMatch(/wireguard-go/);
  });

  it('needs absolute binary paths and names the package to install', () => {
    expect(() => renderWireguardUnit({ interfaceName: 'wg1', mode: 'userspace', settings, binaries: { ip: '/usr/sbin/ip', wg: '/usr/bin/wg' } })).toThrow(
      expect.objectContaining({ hint: 'install wireguard-go' }),
    );
    expect(() => renderWireguardUnit({ interfaceName: 'wg1', mode: 'kernel', settings, binaries: { ...binaries, wg: 'wg' } })).toThrow(/absolute path of wg/);
  });

  it('names the unit and the setconf file after the interface, refusing names systemd cannot carry', () => {
    expect(wireguardUnitName('kilo0')).toBe('kjoin-wireguard-kilo0.service');
    expect(setconfPathFor('kilo0')).toBe('/etc/wireguard/kilo0.setconf');
    expect(() => wireguardUnitName('wg+1')).toThrow(/systemd unit name/);
    expect(() => wireguardUnitName('much-too-long-name')).toThrow(/interface name/);
  });
});
