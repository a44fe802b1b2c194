import type { ResolvedConfig } from '../../../src/config/types.js';
import type { Facts } from '../../../src/facts/types.js';
import { FakeClock } from '../../../src/io/clock.js';
import { FakeExec } from '../../../src/io/exec.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { FakeNetwork } from '../../../src/io/net.js';
import type { PreflightContext } from '../../../src/preflight/types.js';

export const GiB = 1024 ** 3;

/** A healthy Debian 12 amd64 VM with 4 GiB, as facts/ would report it. */
export function makeFacts(overrides: Partial<Facts> = {}): Facts {
  return {
    os: {
      id: 'debian',
      versionId: '12',
      idLike: [],
      name: 'Debian GNU/Linux',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      versionCodename: 'bookworm',
      family: 'debian',
      support: 'supported',
      supportReason: 'Debian 12 is tested',
    },
    packageManager: 'apt',
    arch: 'amd64',
    rawArch: 'x86_64',
    kernel: '6.1.0-28-amd64',
    memoryBytes: 4 * GiB,
    swapBytes: 0,
    cpus: 2,
    cgroup: { version: 2 },
    initSystem: 'systemd',
    cloud: { provider: null, vendor: null, product: null },
    addresses: [],
    nat: 'nat',
    wireguard: { kernel: true, userspace: false },
    apparmor: { enabled: true, parser: true },
    hostname: 'worker-1',
    ...overrides,
  };
}

/** A resolved config as the loader would produce it for `--server URL` (kubeadm) unless overridden. */
export function makeConfig(controlPlane: Partial<ResolvedConfig['controlPlane']> = {}): ResolvedConfig {
  return {
    controlPlane: {
      provider: 'kubeadm',
      caCertHashes: [],
      unsafeSkipCaVerification: false,
      scaleway: {},
      ...controlPlane,
    },
    node: { labels: {}, taints: [] },
    containerd: { source: 'distro', registryMirrors: {} },
    proxy: {},
    wireguard: { rotateKey: false },
    skipPhases: [],
    timeouts: { readySeconds: 300 },
    logFile: '/var/log/kjoin.log',
  };
}

export interface TestContext extends PreflightContext {
  fs: MemoryFileSystem;
  exec: FakeExec;
  clock: FakeClock;
  net: FakeNetwork;
}

export function makeContext(
  options: { facts?: Partial<Facts>; config?: ResolvedConfig | null; files?: Record<string, string>; isRoot?: boolean; now?: string } = {},
): TestContext {
  const fs = new MemoryFileSystem(options.files ?? {});
  const exec = new FakeExec();
  const clock = new FakeClock(options.now);
  const net = new FakeNetwork(fs);
  return {
    facts: makeFacts(options.facts),
    config: options.config ?? null,
    ports: { fs, exec, clock, net },
    isRoot: options.isRoot ?? true,
    fs,
    exec,
    clock,
    net,
  };
}
