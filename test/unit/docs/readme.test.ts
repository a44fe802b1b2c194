import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_OPTIONS, GLOBAL_OPTIONS } from '../../../src/config/options.js';
import { EXIT_CODE_TABLE } from '../../../src/errors.js';
import { fillGeneratedSections } from '../../../src/docs/reference.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('has its generated reference tables up to date (run npm run docs)', () => {
    expect(fillGeneratedSections(readme)).toBe(readme);
  });

  it('documents every flag, environment variable and exit code', () => {
    for (const option of [...GLOBAL_OPTIONS, ...CONFIG_OPTIONS]) {
      if (option.flag) expect(readme).toContain(option.flag);
      if (option.env) expect(readme).toContain(option.env);
    }
    for (const row of EXIT_CODE_TABLE) expect(readme).toContain(`| ${row.code} |`);
  });

  it('names the test command that .ci/run runs', () => {
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    expect(readme).toMatch(/^npm test$/m);
  });

  it('refuses a README without the markers', () => {
    expect(() => fillGeneratedSections('no markers')).toThrow(/generated:options/);
  });
});

describe('runtime flags', () => {
  it('are the ones in the entry point shebang', async () => {
    const { RUNTIME_NODE_FLAGS } = await import('../../../src/runtime-flags.js');
    const shebang = readFileSync(new URL('../../../bin/kjoin.ts', import.meta.url), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${RUNTIME_NODE_FLAGS.join(' ')}`);
  });
});
