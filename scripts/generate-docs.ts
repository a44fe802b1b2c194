// Regenerates the README's reference tables from src/config/options.ts and src/errors.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { fillGeneratedSections } from '../src/docs/reference.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = fillGeneratedSections(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'README.md is up to date' : 'README.md updated');
