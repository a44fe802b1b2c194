import { fail, formatBytes, ok, warn, type PreflightCheck } from './types.js';
import { parseProcSwaps } from '../steps/swap.js';

const GiB = 1024 ** 3;

/** kubelet + containerd + kube-proxy + a CNI agent settle around 1.2–1.5 GiB with the OS. */
export const MEMORY_FAIL_BYTES = 1.5 * GiB;
export const MEMORY_WARN_BYTES = 2 * GiB;
export const MIN_CPUS = 2;
/** Images and container layers live under /var/lib/containerd, pod volumes under /var/lib/kubelet. */
export const DISK_WARN_BYTES = 10 * GiB;

export const checkMemory: PreflightCheck = {
  id: 'memory',
  title: 'memory',
  async run({ facts }) {
    const size = formatBytes(facts.memoryBytes);
    if (facts.memoryBytes < MEMORY_FAIL_BYTES) {
      return fail(
        `${size} of memory: kubelet and containerd need ~1.5 GiB; a 1 GB VM is too small`,
        'pick a larger instance (2 GiB of memory or more)',
      );
    }
    if (facts.memoryBytes < MEMORY_WARN_BYTES) {
      return warn(
        `${size} of memory: enough for kubelet and containerd, little left for pods`,
        'pick an instance with 2 GiB of memory or more if pods need room',
      );
    }
    return ok(`${size} of memory`);
  },
};

export const checkCpus: PreflightCheck = {
  id: 'cpus',
  title: 'CPUs',
  async run({ facts }) {
    const label = facts.cpus === 1 ? 'CPU' : 'CPUs';
    if (facts.cpus < MIN_CPUS) {
      return warn(
        `${facts.cpus} ${label}: the node will join, but system pods and workloads will compete for it`,
        'pick an instance with 2 or more CPUs for real workloads',
      );
    }
    return ok(`${facts.cpus} ${label}`);
  },
};

export const checkDisk: PreflightCheck = {
  id: 'disk',
  title: 'free disk space under /var/lib',
  async run({ ports }) {
    const free = await ports.fs.freeBytes('/var/lib');
    if (free === null) {
      return warn('could not tell how much space is free under /var/lib', 'check with: df -h /var/lib (10 GiB free recommended)');
    }
    if (free < DISK_WARN_BYTES) {
      return warn(
        `${formatBytes(free)} free under /var/lib: container images and logs need room (10 GiB recommended); kubelet evicts pods when the disk fills`,
        'grow the disk or mount a larger volume at /var/lib',
      );
    }
    return ok(`${formatBytes(free)} free under /var/lib`);
  },
};

export const checkSwap: PreflightCheck = {
  id: 'swap',
  title: 'swap',
  async run({ facts, ports }) {
    const devices = parseProcSwaps((await ports.fs.readTextOrNull('/proc/swaps')) ?? '');
    if (facts.swapBytes <= 0 && devices.length === 0) return ok('swap is off');
    const details = [facts.swapBytes > 0 ? formatBytes(facts.swapBytes) : null, ...devices].filter(Boolean).join(', ');
    return warn(
      `swap is on (${details}): join will turn swap off now and keep it off across reboots`,
      'nothing to do unless this host needs its swap; then do not join it',
    );
  },
};
