import { mkdir, open, readFile, readdir, rename, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { detectHostArch, ensureEmulation } from './emulation.js';
import { formatSeconds, isProcessAlive, logBox, removeTree, resolveRootfsDir, runOnHost, sleep, verifyHostCanBoot } from './host.js';
import { detectDebianMirrors, renderBoxSources } from './mirror.js';
import type { DebianMirrors } from './mirror.js';
import type { RootfsOptions } from './types.js';

/** Bump when the build steps below change in a way the stamp's other fields would not show. */
const RECIPE_VERSION = 1;
const PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'ca-certificates'];
const BUILD_TIMEOUT_MS = 45 * 60_000;
const LOCK_WAIT_MS = 60 * 60_000;

/**
 * Returns a debootstrapped Debian rootfs, building it only when the cache holds none made by this exact
 * recipe. Layout: `<cacheDir>/root` (the tree) and `<cacheDir>/stamp.json`. The build happens in a
 * sibling temp dir renamed into place at the end, so an interrupted build is never taken for a finished one.
 */
export async function ensureRootfs(options: RootfsOptions): Promise<string> {
  const started = Date.now();
  const cacheDir = options.cacheDir ?? resolveRootfsDir(options.suite, options.arch);
  await verifyHostCanBoot();
  const mirrors = await detectDebianMirrors();
  const stamp = renderStamp(options, mirrors);
  await mkdir(dirname(cacheDir), { recursive: true });
  const release = await acquireLock(`${cacheDir}.lock`);
  try {
    if ((await readStamp(cacheDir)) === stamp) {
      logBox(`ensureRootfs ${options.suite}/${options.arch}: cached (warm) in ${formatSeconds(Date.now() - started)}`);
      return join(cacheDir, 'root');
    }
    await buildRootfs(options, mirrors, cacheDir, stamp);
    logBox(`ensureRootfs ${options.suite}/${options.arch}: built (cold) in ${formatSeconds(Date.now() - started)}`);
    return join(cacheDir, 'root');
  } finally {
    await release();
  }
}

async function buildRootfs(options: RootfsOptions, mirrors: DebianMirrors, cacheDir: string, stamp: string) {
  await removeAbandonedBuilds(cacheDir);
  const tempDir = `${cacheDir}.tmp-${process.pid}`;
  const root = join(tempDir, 'root');
  await mkdir(tempDir, { recursive: true });
  await ensureEmulation(options.arch);
  logBox(`debootstrap ${options.suite}/${options.arch} from ${mirrors.archive} into ${tempDir}`);
  await runOnHost('debootstrap', [...renderDebootstrapArgs(options), root, mirrors.archive], BUILD_TIMEOUT_MS);
  await prepareFreshMachine(root, renderBoxSources(mirrors, options.suite));
  if (isEmulated(options)) await writeQemuUserDropIns(root);
  await writeFile(join(tempDir, 'stamp.json'), stamp, { mode: 0o644 });
  // An outdated tree may sit at cacheDir (stamp changed); rename cannot replace a non-empty directory.
  await removeTree(cacheDir);
  await rename(tempDir, cacheDir);
}

/** The debootstrap options; also part of the stamp, so any change to them causes a rebuild. */
export function renderDebootstrapArgs(options: RootfsOptions): string[] {
  return ['--variant=minbase', `--arch=${options.arch}`, `--include=${PACKAGES.join(',')}`, options.suite];
}

function renderStamp(options: RootfsOptions, mirrors: DebianMirrors): string {
  const recipe = {
    recipe: RECIPE_VERSION,
    debootstrap: renderDebootstrapArgs(options),
    mirrors,
    ...(isEmulated(options) ? { qemuUserDropIns: true } : {}),
  };
  return `${JSON.stringify(recipe, null, 2)}\n`;
}

async function readStamp(cacheDir: string): Promise<string | null> {
  try {
    return await readFile(join(cacheDir, 'stamp.json'), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Makes the tree look like a cloud image before first boot: apt sources from the mirror that works here
 * (with -updates and -security), and no machine-id, so every box gets its own at boot as a new VM would
 * (two kubelets with one machine-id would be one node to some tools).
 */
async function prepareFreshMachine(root: string, sources: string): Promise<void> {
  await rm(join(root, 'etc/apt/sources.list'), { force: true });
  await writeFile(join(root, 'etc/apt/sources.list.d/debian.sources'), sources, { mode: 0o644 });
  await truncate(join(root, 'etc/machine-id'), 0).catch(() => writeFile(join(root, 'etc/machine-id'), ''));
  await rm(join(root, 'var/lib/dbus/machine-id'), { force: true });
  await mkdir(join(root, 'var/lib/dbus'), { recursive: true });
  await symlink('/etc/machine-id', join(root, 'var/lib/dbus/machine-id'));
  await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
  await mkdir(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
}

function isEmulated(options: RootfsOptions): boolean {
  return options.arch !== detectHostArch();
}

/**
 * Under qemu-user, systemd cannot set up service credentials (the mount calls it uses return EINVAL),
 * so every unit with LoadCredential= fails at step CREDENTIALS: systemd-sysusers and systemd-tmpfiles-setup
 * among them, leaving the box degraded and half set up. The box never receives credentials anyway, so a
 * drop-in emptying those lists lets the units run as on real hardware.
 */
async function writeQemuUserDropIns(root: string): Promise<void> {
  const unitDir = join(root, 'lib/systemd/system');
  for (const unit of await readdir(unitDir)) {
    if (!unit.endsWith('.service')) continue;
    const text = await readFile(join(unitDir, unit), 'utf8').catch(() => '');
    const directives = [...new Set(text.match(/^(Load|Set|Import)Credential(Encrypted)?(?==)/gm) ?? [])];
    if (directives.length === 0) continue;
    const dropInDir = join(root, 'etc/systemd/system', `${unit}.d`);
    await mkdir(dropInDir, { recursive: true });
    const body = `# kjoin e2e: qemu-user cannot mount credentials; see test/e2e/box/rootfs.ts\n[Service]\n${directives.map((d) => `${d}=\n`).join('')}`;
    await writeFile(join(dropInDir, '50-kjoin-e2e-qemu-user.conf'), body, { mode: 0o644 });
  }
}

/** Temp dirs left by a killed build (we hold the lock, so none of them is in progress). */
async function removeAbandonedBuilds(cacheDir: string): Promise<void> {
  const prefix = `${basename(cacheDir)}.tmp-`;
  for (const entry of await readdir(dirname(cacheDir))) {
    if (entry.startsWith(prefix)) await removeTree(join(dirname(cacheDir), entry));
  }
}

/**
 * A lock file holding the builder's PID: parallel test files wait for one build instead of running two
 * debootstraps; a lock whose PID is dead was left by a killed run and is taken over.
 */
async function acquireLock(path: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    // An empty lock is either being written right now or was left by a process killed mid-write.
    const abandoned = holder ? !(await isProcessAlive(holder)) : await isOlderThan(path, 10_000);
    if (abandoned) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${path} is still held by PID ${holder}`);
    await sleep(holder ? 2000 : 200);
  }
}

async function isOlderThan(path: string, ms: number): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info !== null && Date.now() - info.mtimeMs > ms;
}
