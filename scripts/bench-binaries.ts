// Figures for the single binaries (npm run build:binaries): size raw and gzipped, and cold start, the median wall
// time of ten `--version` runs, each a new process, from spawn to exit. Prints, never asserts.
// Targets: at most 45 MB gzipped, at most 120 ms cold start (amd64).
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RUNTIME_NODE_FLAGS } from '../src/runtime-flags.js';
import { binaryPath, BINARY_TARGETS, buildBinaries, SEA_NODE_VERSION } from './build-binaries.js';

const ROOT = resolve(import.meta.dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'kjoin.js');
const RUNS = 10;
const GZIP_TARGET_BYTES = 45e6;
const COLD_START_TARGET_MS = 120;

function spawnToExit(argv: readonly string[]): Promise<number> {
  return new Promise((resolveTime, reject) => {
    const start = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveTime(performance.now() - start) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

async function measureColdStart(argv: readonly string[]): Promise<number> {
  await spawnToExit(argv); // once untimed: the first run after a build also pays for reading the file from disk
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await spawnToExit(argv));
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB (${(bytes / 2 ** 20).toFixed(1)} MiB)`;
}

function verdict(value: number, target: number): string {
  return value <= target ? 'within target' : 'OVER target';
}

if (!BINARY_TARGETS.every((target) => existsSync(binaryPath(target.arch)) && existsSync(`${binaryPath(target.arch)}.gz`))) {
  console.log('bench-binaries: building the binaries first (npm run build:binaries)');
  await buildBinaries((line) => console.warn(`build:binaries: ${line}`));
}

const rows: Array<[string, string]> = [];
for (const target of BINARY_TARGETS) {
  const binary = binaryPath(target.arch);
  const gzipped = statSync(`${binary}.gz`).size;
  rows.push([`kjoin-linux-${target.arch} (Node ${SEA_NODE_VERSION}), raw`, formatMegabytes(statSync(binary).size)]);
  rows.push([`kjoin-linux-${target.arch}, gzipped (target ≤ 45 MB)`, `${formatMegabytes(gzipped)}, ${verdict(gzipped, GZIP_TARGET_BYTES)}`]);
}

const starts: Array<[string, readonly string[]]> = [[`kjoin-linux-amd64 --version (target ≤ ${COLD_START_TARGET_MS} ms)`, [binaryPath('amd64'), '--version']]];
if (existsSync(BUNDLE)) {
  starts.push([`node ${RUNTIME_NODE_FLAGS.join(' ')} dist/kjoin.js --version (as its shebang runs it)`, [process.execPath, ...RUNTIME_NODE_FLAGS, BUNDLE, '--version']]);
  starts.push(['node dist/kjoin.js --version (no flags)', [process.execPath, BUNDLE, '--version']]);
} else {
  console.warn('bench-binaries: dist/kjoin.js is missing (npm run build): no figure for node dist/kjoin.js');
}
for (const [label, argv] of starts) {
  const ms = await measureColdStart(argv);
  const mark = argv[0] === binaryPath('amd64') ? `, ${verdict(ms, COLD_START_TARGET_MS)}` : '';
  rows.push([`${label}: median of ${RUNS}`, `${ms.toFixed(0)} ms${mark}`]);
}

const width = Math.max(...rows.map(([label]) => label.length));
console.log(`\nsingle binaries (node ${process.version} runs the bundle)`);
for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
