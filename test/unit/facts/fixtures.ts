import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

/** Absolute path of a file or directory under test/fixtures. */
export function fixturePath(...parts: string[]): string {
  return path.join(fileURLToPath(new URL('../../fixtures/', import.meta.url)), ...parts);
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}

/** The files of a fixture directory, without the SOURCES.md that documents them. */
export function listFixtures(...parts: string[]): string[] {
  return readdirSync(fixturePath(...parts))
    .filter((name) => name !== 'SOURCES.md')
    .sort();
}
