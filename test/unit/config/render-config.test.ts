import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { maskUrlPassword, renderConfigYaml } from '../../../src/config/render-config.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';
import { repoRoot } from './upstream-vectors.js';

const fullYaml = readFileSync(path.join(repoRoot, 'test/fixtures/config/full.yaml'), 'utf8');
const TOKEN = 'abcdef.0123456789abcdef';

async function loadFull(text = fullYaml): Promise<ResolvedConfig> {
  const fs = new MemoryFileSystem({ '/etc/kjoin/join.yaml': text });
  const result = await loadConfig({ fs, env: {}, flags: {} });
  expect(result.errors).toEqual([]);
  return result.config!;
}

describe('renderConfigYaml', () => {
  it('prints a JoinConfiguration that loads back to the same config', async () => {
    const config = await loadFull();
    const text = renderConfigYaml(config);
    const document = parse(text) as { apiVersion: string; kind: string };
    expect(document.apiVersion).toBe('kjoin.io/v1alpha1');
    expect(document.kind).toBe('JoinConfiguration');
    expect(await loadFull(text)).toEqual(config);
  });

  it('prints only fields the schema knows, so nothing attached at runtime leaks', async () => {
    const config = await loadFull();
    const tampered = { ...config, token: TOKEN, controlPlane: { ...config.controlPlane, secretKey: 'scw-secret-value' } } as ResolvedConfig;
    const text = renderConfigYaml(tampered);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('scw-secret-value');
    expect(text).not.toContain('secretKey');
  });

  it('masks passwords in proxy and mirror URLs', async () => {
    const config = await loadFull();
    const withCredentials: ResolvedConfig = {
      ...config,
      proxy: { ...config.proxy, http: 'http://svc:hunter2hunter2@proxy.corp.example.com:3128' },
      mirror: 'https://reader:p4ssw0rd-long@artifacts.example.com/kjoin',
    };
    const text = renderConfigYaml(withCredentials);
    expect(text).toContain('http://svc:***@proxy.corp.example.com:3128');
    expect(text).toContain('https://reader:***@artifacts.example.com/kjoin');
    expect(text).not.toContain('hunter2hunter2');
    expect(text).not.toContain('p4ssw0rd-long');
  });

  it('scrubs known secret text wherever it appears', async () => {
    const config = await loadFull();
    const text = renderConfigYaml({ ...config, node: { ...config.node, name: TOKEN } }, { token: TOKEN });
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('0123456789abcdef');
    expect((parse(text) as { spec: { node: { name: string } } }).spec.node.name).toBe('[redacted]');
  });
});

describe('maskUrlPassword', () => {
  it('leaves URLs without a password and non-URLs alone', () => {
    expect(maskUrlPassword('http://proxy:3128')).toBe('http://proxy:3128');
    expect(maskUrlPassword('http://user@proxy:3128')).toBe('http://user@proxy:3128');
    expect(maskUrlPassword('10.0.0.0/8,.corp')).toBe('10.0.0.0/8,.corp');
  });
});
