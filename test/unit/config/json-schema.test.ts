import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateJsonSchema, JSON_SCHEMA_FILE, renderJsonSchema } from '../../../src/config/json-schema.js';
import { loadConfig } from '../../../src/config/load.js';
import { CONFIG_OPTIONS } from '../../../src/config/options.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { repoRoot } from './upstream-vectors.js';

const committedText = readFileSync(path.join(repoRoot, JSON_SCHEMA_FILE), 'utf8');
const fullYaml = readFileSync(path.join(repoRoot, 'test/fixtures/config/full.yaml'), 'utf8');

/** The committed JSON Schema turned back into a validator, so the file itself is what gets tested. */
const committedValidator = z.fromJSONSchema(JSON.parse(committedText) as Parameters<typeof z.fromJSONSchema>[0]);

describe('schema/join-configuration.schema.json', () => {
  it('matches a fresh generation (run `npm run schema` after changing src/config/schema.ts)', () => {
    expect(committedText).toBe(renderJsonSchema());
  });

  it('documents every configurable option from the options table', () => {
    const schema = generateJsonSchema();
    for (const option of CONFIG_OPTIONS.filter((o) => o.configPath)) {
      let node: any = (schema.properties as any).spec;
      for (const segment of option.configPath!.split('.')) node = node?.properties?.[segment];
      expect(node?.description, option.configPath).toContain(option.description);
    }
  });

  it('accepts the full example and refuses a mistyped field', () => {
    const example = parse(fullYaml) as Record<string, any>;
    expect(committedValidator.safeParse(example).success).toBe(true);
    const mistyped = structuredClone(example);
    mistyped.spec.controlPlane.tokne = 'x';
    expect(committedValidator.safeParse(mistyped).success).toBe(false);
    expect(committedValidator.safeParse({ ...example, kind: 'ConfigMap' }).success).toBe(false);
  });
});

describe('test/fixtures/config/full.yaml', () => {
  it('loads without errors or warnings and resolves every section', async () => {
    const fs = new MemoryFileSystem({
      '/etc/kjoin/join.yaml': fullYaml,
      '/etc/kjoin/token': { content: 'abcdef.0123456789abcdef\n', mode: 0o600 },
    });
    const result = await loadConfig({ fs, env: {}, flags: {}, facts: { cloudProvider: 'hetzner' } });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.secrets.token).toBe('abcdef.0123456789abcdef');
    const config = result.config!;
    expect(config.controlPlane.caCertHashes).toEqual([
      'sha256:345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3',
      'sha256:d1ef16989563fe7775f81a7dc55ce16a467ca9baedae2d081cb0a068b6a81971',
    ]);
    expect(config.node.labels.provider).toBe('hetzner');
    expect(config.node.taints).toEqual([
      { key: 'dedicated', value: 'edge', effect: 'NoSchedule' },
      { key: 'example.com/maintenance', effect: 'PreferNoSchedule' },
      { key: 'example.com/bandwidth', value: 'metered', effect: 'NoExecute' },
    ]);
    expect(config.kubernetesVersion).toBe('1.31.2');
    expect(config.containerd.registryMirrors['registry.k8s.io']).toEqual(['https://registry-mirror.corp.example.com/k8s']);
    expect(config.timeouts.readySeconds).toBe(600);
  });
});
