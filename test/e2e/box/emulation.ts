import { access, readFile, writeFile } from 'node:fs/promises';
import { logBox, runOnHost } from './host.js';
import type { BoxArch } from './types.js';

const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

// Debian architecture name -> the qemu-user-static binfmt entry that runs its binaries.
const QEMU_ENTRY: Record<BoxArch, string> = { amd64: 'qemu-x86_64', arm64: 'qemu-aarch64' };

/** The Debian name of the architecture this Node process runs on; anything else is unsupported here. */
export function detectHostArch(): BoxArch {
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'arm64';
  throw new Error(`e2e boxes run on amd64 or arm64 hosts only, not ${process.arch}`);
}

/**
 * Makes the kernel run `arch` binaries through qemu-user-static, so debootstrap's second stage and the
 * booted box work on a foreign architecture. A no-op for the host's own architecture and when the entry
 * is already registered. The entry carries the F flag, so the interpreter is opened now and keeps working
 * inside the box's chroot, where /usr/libexec/qemu-binfmt does not exist.
 */
export async function ensureEmulation(arch: BoxArch): Promise<void> {
  if (arch === detectHostArch()) return;
  const entry = QEMU_ENTRY[arch];
  if (!(await pathExists(`${BINFMT_DIR}/register`))) {
    await runOnHost('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR]);
  }
  if (await pathExists(`${BINFMT_DIR}/${entry}`)) return;
  const confPath = `/usr/lib/binfmt.d/${entry}.conf`;
  let conf: string;
  try {
    conf = await readFile(confPath, 'utf8');
  } catch {
    throw new Error(`${arch} boxes need qemu-user emulation: apt-get install -y qemu-user-static (${confPath} missing)`);
  }
  const line = conf.split('\n').find((candidate) => candidate.startsWith(':'));
  if (!line) throw new Error(`${confPath} holds no binfmt registration line`);
  try {
    await writeFile(`${BINFMT_DIR}/register`, line);
  } catch (error) {
    // Another test process registered it between our check and our write.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  logBox(`registered ${entry} in binfmt_misc for ${arch} emulation`);
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
