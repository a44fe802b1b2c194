import { loadConfig } from '../../../src/config/load.js';
import type { LoadResult } from '../../../src/config/types.js';
import { MemoryFileSystem } from '../../../src/io/memory-fs.js';

export const TOKEN = 'abcdef.0123456789abcdef';
export const PIN = 'sha256:345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3';
export const PIN_2 = 'sha256:d1ef16989563fe7775f81a7dc55ce16a467ca9baedae2d081cb0a068b6a81971';

/** The smallest valid kubeadm join, as flags. */
export const KUBEADM_FLAGS = { server: 'https://api.example.com:6443', discoveryTokenCaCertHash: [PIN] };

export interface LoadCase {
  files?: Record<string, string | { content: string; mode: number }>;
  env?: Record<string, string | undefined>;
  flags?: Record<string, unknown>;
  cloudProvider?: string | null;
  cwd?: string;
}

export async function load(input: LoadCase = {}): Promise<LoadResult> {
  return loadConfig({
    fs: new MemoryFileSystem(input.files ?? {}),
    env: input.env ?? {},
    flags: input.flags ?? {},
    facts: { cloudProvider: input.cloudProvider ?? null },
    cwd: input.cwd ?? '/root',
  });
}

/** A JoinConfiguration document with the given spec body (YAML, indented under spec:). */
export function yamlWithSpec(specBody: string): string {
  const indented = specBody
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `apiVersion: kjoin.io/v1alpha1\nkind: JoinConfiguration\nspec:\n${indented}\n`;
}
