/**
 * Writes schema/join-configuration.schema.json from the zod schema. `--check` only compares and fails
 * when the committed file is stale (the unit test does the same, so the file cannot drift).
 */

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMA_FILE, renderJsonSchema } from '../src/config/json-schema.js';
import { NodeFileSystem } from '../src/io/fs.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fs = new NodeFileSystem(repoRoot);
const target = `/${JSON_SCHEMA_FILE}`;
const fresh = renderJsonSchema();

if (process.argv.includes('--check')) {
  const committed = await fs.readTextOrNull(target);
  if (committed === fresh) {
    console.log(`${JSON_SCHEMA_FILE} is up to date`);
  } else {
    console.error(`${JSON_SCHEMA_FILE} is stale: run npm run schema`);
    process.exitCode = 1;
  }
} else {
  await fs.writeAtomic(target, fresh, 0o644);
  console.log(`wrote ${JSON_SCHEMA_FILE}`);
}
