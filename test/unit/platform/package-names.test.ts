import { describe, expect, it } from 'vitest';
import { requiredPackages, resolvePackage } from '../../../src/platform/package-names.js';
import { AL2, AL2023, DEBIAN_12, FEDORA_41, RHEL_9, ROCKY_8, UBUNTU_2204, makeFacts } from './hosts.js';

describe('resolvePackage', () => {
  it('uses the logical names on Debian and Ubuntu', () => {
    for (const os of [DEBIAN_12, UBUNTU_2204]) {
      expect(resolvePackage('conntrack', os, 'apt')).toEqual({ names: ['conntrack'], availability: 'base' });
      expect(resolvePackage('wireguard-tools', os, 'apt').names).toEqual(['wireguard-tools']);
      expect(resolvePackage('apparmor', os, 'apt').names).toEqual(['apparmor']);
      expect(resolvePackage('procps', os, 'apt').names).toEqual(['procps']);
    }
  });

  it('maps RPM names and the iptables split between EL8 and newer releases', () => {
    expect(resolvePackage('conntrack', RHEL_9, 'dnf').names).toEqual(['conntrack-tools']);
    expect(resolvePackage('procps', RHEL_9, 'dnf').names).toEqual(['procps-ng']);
    expect(resolvePackage('iptables', RHEL_9, 'dnf').names).toEqual(['iptables-nft']);
    expect(resolvePackage('iptables', AL2023, 'dnf').names).toEqual(['iptables-nft']);
    expect(resolvePackage('iptables', FEDORA_41, 'dnf').names).toEqual(['iptables-nft']);
    expect(resolvePackage('iptables', ROCKY_8, 'dnf').names).toEqual(['iptables']);
    expect(resolvePackage('iptables', AL2, 'yum').names).toEqual(['iptables']);
  });

  it('marks wireguard-tools optional where it needs EPEL', () => {
    expect(resolvePackage('wireguard-tools', RHEL_9, 'dnf').availability).toBe('base');
    expect(resolvePackage('wireguard-tools', AL2023, 'dnf').availability).toBe('base');
    expect(resolvePackage('wireguard-tools', ROCKY_8, 'dnf')).toMatchObject({ availability: 'optional', names: ['wireguard-tools'] });
    expect(resolvePackage('wireguard-tools', ROCKY_8, 'dnf').note).toContain('EPEL');
  });

  it('marks containerd unavailable on RHEL-family bases, so the upstream release is used', () => {
    expect(resolvePackage('containerd', RHEL_9, 'dnf')).toMatchObject({ availability: 'unavailable', names: [] });
    expect(resolvePackage('containerd', ROCKY_8, 'dnf').availability).toBe('unavailable');
    expect(resolvePackage('containerd', DEBIAN_12, 'apt').names).toEqual(['containerd']);
  });

  it('has no AppArmor on SELinux distributions and ebtables only where it is packaged', () => {
    expect(resolvePackage('apparmor', RHEL_9, 'dnf').availability).toBe('unavailable');
    expect(resolvePackage('ebtables', RHEL_9, 'dnf').availability).toBe('unavailable');
    expect(resolvePackage('ebtables', ROCKY_8, 'dnf').names).toEqual(['iptables-ebtables']);
    expect(resolvePackage('ebtables', DEBIAN_12, 'apt').names).toEqual(['ebtables']);
  });
});

describe('requiredPackages', () => {
  it('lists kubelet’s dependencies on Debian, with AppArmor’s parser only when it is enforced but missing', () => {
    const plain = requiredPackages(makeFacts(DEBIAN_12, 'apt'));
    expect(plain).toEqual(['ca-certificates', 'conntrack', 'iptables', 'socat', 'ethtool', 'ebtables', 'kmod', 'procps']);
    const missingParser = makeFacts(DEBIAN_12, 'apt', { apparmor: { enabled: true, parser: false } });
    expect(requiredPackages(missingParser)).toContain('apparmor');
    const hasParser = makeFacts(DEBIAN_12, 'apt', { apparmor: { enabled: true, parser: true } });
    expect(requiredPackages(hasParser)).not.toContain('apparmor');
  });

  it('adds wireguard-tools and distro containerd on request, leaving out what the distribution lacks', () => {
    const rhel = requiredPackages(makeFacts(RHEL_9, 'dnf'), { wireguard: true, distroContainerd: true });
    expect(rhel).toContain('wireguard-tools');
    expect(rhel).not.toContain('containerd');
    expect(rhel).not.toContain('ebtables');
    const debian = requiredPackages(makeFacts(DEBIAN_12, 'apt'), { distroContainerd: true });
    expect(debian).toContain('containerd');
    expect(requiredPackages(makeFacts(DEBIAN_12, 'apt'))).not.toContain('wireguard-tools');
  });
});
