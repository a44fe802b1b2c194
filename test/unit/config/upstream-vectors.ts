/**
 * Locates the upstream test vectors (../shared/vectors next to the repository). In CI they must be there:
 * a missing folder fails the run instead of quietly skipping. Elsewhere the vector suites are skipped
 * and say why in their title; the hand-written cases still run.
 */

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const vectorsDir = path.resolve(repoRoot, '../shared/vectors');
export const vectorsPresent = existsSync(vectorsDir);

if (!vectorsPresent && process.env.CI) {
  throw new Error(`upstream test vectors not found at ${vectorsDir}; CI must provide them`);
}

const skipReason = `${vectorsDir} not found (outside CI the upstream vector suites are skipped)`;

/** Called in a skipped vector suite: a skipped entry that carries the reason into the report. */
export function noteVectorsMissing(): void {
  it.skip(skipReason, () => undefined);
}

/** Suite title that carries the skip reason, so a skipped run is visible in the report. */
export function describeVectors(file: string): string {
  return vectorsPresent ? `upstream vectors: ${file}` : `upstream vectors: ${file} (skipped: ${vectorsDir} not found)`;
}

export function readVectors<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(vectorsDir, file), 'utf8')) as T;
}
