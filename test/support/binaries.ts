import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

const DIST = join(REPO_ROOT, 'dist');
export const AMD64_BINARY = join(DIST, 'kjoin-linux-amd64');
const ARTEFACTS = ['kjoin-linux-amd64', 'kjoin-linux-amd64.gz', 'kjoin-linux-arm64', 'kjoin-linux-arm64.gz', 'SHA256SUMS'];
const LOCK = join(REPO_ROOT, '.cache', 'build-binaries.lock');

/** The single binaries are missing, or older than the bundle they are built from. */
export function binariesAreStale(): boolean {
  const paths = ARTEFACTS.map((name) => join(DIST, name));
  if (!paths.every((path) => existsSync(path))) return true;
  const bundle = join(DIST, 'kjoin.js');
  return existsSync(bundle) && statSync(AMD64_BINARY).mtimeMs < statSync(bundle).mtimeMs;
}

function runBuild(): Promise<void> {
  const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [tsx, join(REPO_ROOT, 'scripts', 'build-binaries.ts')], { cwd: REPO_ROOT, maxBuffer: 16 << 20, timeout: 600_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`npm run build:binaries failed:\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

/**
 * Builds the single binaries once for every test file that needs them: test files run in parallel processes, so
 * a lock file makes the others wait for the first build instead of writing the same files at the same time.
 */
export async function ensureBinaries(): Promise<void> {
  mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true });
  for (;;) {
    try {
      closeSync(openSync(LOCK, 'wx'));
      break;
    } catch {
      // Another build holds it; a lock older than ten minutes belongs to a run that died.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 600_000) rmSync(LOCK, { force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (binariesAreStale()) await runBuild();
  } finally {
    rmSync(LOCK, { force: true });
  }
}
