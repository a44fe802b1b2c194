import { KjoinError } from '../errors.js';
import type { Exec } from '../io/exec.js';
import type { Arch } from './types.js';

/**
 * The one place that maps machine names to kjoin's architectures (STYLE rule 10). Accepts `uname -m`
 * spellings, Debian/Go spellings and Node's `process.arch`; anything else throws, naming the value, so a
 * new platform fails loudly instead of downloading the wrong binaries.
 */
export function normaliseArch(raw: string): Arch {
  const value = raw.trim().toLowerCase();
  if (value === 'x86_64' || value === 'amd64' || value === 'x64') return 'amd64';
  // armv8* covers the armv8l/armv8b personalities a 64-bit ARM kernel reports under linux32.
  if (value === 'aarch64' || value === 'arm64' || value.startsWith('armv8')) return 'arm64';
  throw new KjoinError('usage', `unsupported machine architecture "${raw.trim()}"`, {
    hint: 'kjoin supports amd64 (x86_64) and arm64 (aarch64) hosts',
  });
}

/** Node's process.arch in `uname -m` spelling, so Facts.rawArch always reads like uname. */
export function unameStyleArch(nodeArch: string): string {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return nodeArch;
}

export interface ArchFacts {
  /** null when the machine is neither amd64 nor arm64; join refuses later, facts only reports. */
  arch: Arch | null;
  rawArch: string;
}

/** Normalises without throwing, for fact gathering. */
export function classifyArch(rawArch: string): ArchFacts {
  try {
    return { arch: normaliseArch(rawArch), rawArch };
  } catch {
    return { arch: null, rawArch };
  }
}

/** `uname -m`, falling back to process.arch when uname is missing or fails (minimal containers). */
export async function detectArch(exec: Exec, nodeArch: string = process.arch): Promise<ArchFacts> {
  try {
    const result = await exec.run('uname', ['-m'], { timeoutMs: 2000 });
    const machine = result.stdout.trim();
    if (result.exitCode === 0 && machine !== '') return classifyArch(machine);
  } catch {
    // fall through to process.arch
  }
  return classifyArch(unameStyleArch(nodeArch));
}
