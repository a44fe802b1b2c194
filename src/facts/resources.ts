import * as os from 'node:os';
import type { FileSystem } from '../io/fs.js';

/** MemTotal and SwapTotal from /proc/meminfo in bytes; null for a field the text does not have. */
export function parseMeminfo(text: string): { memTotalBytes: number | null; swapTotalBytes: number | null } {
  return { memTotalBytes: readMeminfoField(text, 'MemTotal'), swapTotalBytes: readMeminfoField(text, 'SwapTotal') };
}

function readMeminfoField(text: string, field: string): number | null {
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+)(?:\\s+(kB))?\\s*$`, 'm'));
  if (!match) return null;
  // The kernel labels these "kB" but means KiB (meminfo has always counted in 1024-byte units).
  return Number(match[1]) * (match[2] ? 1024 : 1);
}

/**
 * Counts CPUs in the kernel's cpu-list syntax ("0-3,5,8-9"), as in /sys/devices/system/cpu/online.
 * null for anything malformed, so a surprise format means "unknown" rather than a wrong number.
 */
export function parseCpuList(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  let count = 0;
  for (const part of trimmed.split(',')) {
    const match = part.trim().match(/^(\d+)(?:-(\d+))?$/);
    if (!match) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) return null;
    count += last - first + 1;
  }
  return count;
}

/** The number of "processor : N" stanzas in /proc/cpuinfo; null when there are none. */
export function countCpuinfoProcessors(text: string): number | null {
  const count = text.split('\n').filter((line) => /^processor\s*:\s*\d+/.test(line)).length;
  return count > 0 ? count : null;
}

export interface ResourceFacts {
  /** 0 when unknown (no /proc/meminfo under the host root). */
  memoryBytes: number;
  swapBytes: number;
  /** 0 when unknown. */
  cpus: number;
  /** '' when unknown. */
  kernel: string;
  hostname: string;
}

/**
 * Reads memory, CPUs, kernel release and hostname from the host's files. The node:os fallbacks describe
 * the machine kjoin runs on, so they are used only when the host root is '/', where that is the host.
 */
export async function detectResources(fs: FileSystem, options: { hostRoot: string }): Promise<ResourceFacts> {
  const onHost = options.hostRoot === '/';
  const [meminfo, online, cpuinfo, osrelease, procHostname, etcHostname] = await Promise.all([
    fs.readTextOrNull('/proc/meminfo'),
    fs.readTextOrNull('/sys/devices/system/cpu/online'),
    fs.readTextOrNull('/proc/cpuinfo'),
    fs.readTextOrNull('/proc/sys/kernel/osrelease'),
    fs.readTextOrNull('/proc/sys/kernel/hostname'),
    fs.readTextOrNull('/etc/hostname'),
  ]);
  const memory = meminfo === null ? { memTotalBytes: null, swapTotalBytes: null } : parseMeminfo(meminfo);
  // The online list is what the scheduler can use right now; cpuinfo can include offlined CPUs.
  const cpus = (online === null ? null : parseCpuList(online)) ?? (cpuinfo === null ? null : countCpuinfoProcessors(cpuinfo));
  const hostname = firstLine(procHostname) ?? firstLine(etcHostname);
  return {
    memoryBytes: memory.memTotalBytes ?? (onHost ? os.totalmem() : 0),
    swapBytes: memory.swapTotalBytes ?? 0,
    cpus: cpus ?? (onHost ? os.cpus().length : 0),
    kernel: firstLine(osrelease) ?? (onHost ? os.release() : ''),
    hostname: hostname ?? (onHost ? os.hostname() : ''),
  };
}

function firstLine(text: string | null): string | null {
  const line = text?.split('\n')[0]?.trim();
  return line ? line : null;
}
