import { describeSupportedOs } from '../facts/os-support.js';
import type { OsFacts } from '../facts/types.js';
import { fail, ok, warn, type PreflightCheck } from './types.js';

/** The supported distributions, for messages: facts/ owns the policy, so there is one list. */
export const SUPPORTED_OS_SUMMARY = describeSupportedOs();

/** Certificates issued before this cannot be checked by a clock that reads earlier; 2024 predates kjoin. */
export const MIN_SANE_TIME = Date.parse('2024-01-01T00:00:00Z');

function describeOs(os: OsFacts): string {
  return os.prettyName ?? [os.name || os.id, os.versionId].filter(Boolean).join(' ');
}

export const checkRoot: PreflightCheck = {
  id: 'root',
  title: 'running as root',
  async run({ isRoot }) {
    if (isRoot) return ok('running as root');
    return fail(
      'kjoin is not running as root: it installs packages, writes under /etc and manages systemd units',
      'run as root: sudo kjoin ...',
    );
  },
};

export const checkOsSupport: PreflightCheck = {
  id: 'os',
  title: 'operating system supported',
  async run({ facts }) {
    const { os } = facts;
    const name = describeOs(os);
    switch (os.support) {
      case 'supported':
        return ok(`${name} is supported`);
      case 'best-effort':
        return warn(
          `${name} is supported on a best-effort basis: ${os.supportReason}`,
          `expect rough edges; the tested distributions are ${SUPPORTED_OS_SUMMARY}`,
        );
      case 'unsupported':
        return fail(
          `${name} is not supported (${os.supportReason}); supported: ${SUPPORTED_OS_SUMMARY}`,
          `use one of: ${SUPPORTED_OS_SUMMARY}`,
        );
    }
  },
};

export const checkArch: PreflightCheck = {
  id: 'arch',
  title: 'CPU architecture',
  async run({ facts }) {
    if (facts.arch) return ok(`${facts.arch} (${facts.rawArch})`);
    return fail(
      `CPU architecture ${facts.rawArch || 'unknown'} is not supported: Kubernetes worker binaries are published here for amd64 (x86_64) and arm64 (aarch64) only`,
      'use an amd64 or arm64 instance',
    );
  },
};

export const checkSystemd: PreflightCheck = {
  id: 'systemd',
  title: 'systemd is the init system',
  async run({ facts }) {
    if (facts.initSystem === 'systemd') return ok('systemd is running as PID 1');
    return fail(
      'systemd is not the init system: kjoin manages kubelet and containerd as systemd units',
      'use a distribution image that boots with systemd',
    );
  },
};

export const checkCgroup: PreflightCheck = {
  id: 'cgroup',
  title: 'control groups',
  async run({ facts }) {
    switch (facts.cgroup.version) {
      case 2:
        return ok('cgroup v2 (unified hierarchy)');
      case 1:
        // KEP-5573: from Kubernetes 1.35 the kubelet refuses cgroup v1 unless failCgroupV1 is false.
        return warn(
          'cgroup v1: Kubernetes has deprecated it and kubelet 1.35+ refuses to start on it by default',
          'boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line, or use a distribution that defaults to cgroup v2',
        );
      case null:
        return fail(
          'no cgroup file system is mounted at /sys/fs/cgroup: kubelet and containerd cannot limit containers',
          'use a kernel and image with cgroups enabled (systemd mounts cgroup v2 by default)',
        );
    }
  },
};

export const checkAppArmor: PreflightCheck = {
  id: 'apparmor',
  title: 'AppArmor tooling',
  async run({ facts }) {
    const { enabled, parser } = facts.apparmor;
    if (!enabled) return ok('AppArmor is not enabled');
    if (parser) return ok('AppArmor is enabled and apparmor_parser is present');
    return fail(
      'AppArmor is enabled but apparmor_parser is missing: containerd cannot load its profile (the failure that broke Ubuntu 20.10)',
      'install the apparmor package (e.g. apt-get install apparmor)',
    );
  },
};

export const checkClock: PreflightCheck = {
  id: 'clock',
  title: 'clock is sane',
  async run({ ports }) {
    const now = ports.clock.now();
    if (now.getTime() >= MIN_SANE_TIME) return ok(`clock reads ${now.toISOString()}`);
    return fail(
      `the clock reads ${now.toISOString()}, before 2024: TLS certificates will not validate`,
      'set the time (enable NTP: timedatectl set-ntp true) and run again',
    );
  },
};
