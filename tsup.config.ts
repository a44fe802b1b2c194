import { defineConfig } from 'tsup';
import { requireHttpBuiltins, zodEnglishLocaleOnly } from './scripts/esbuild-plugins.js';

// One bundled ESM file that runs with plain `node`; templates are imported as text so they ship inside.
export default defineConfig({
  entry: { kjoin: 'bin/kjoin.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  bundle: true,
  noExternal: [/.*/],
  splitting: false,
  sourcemap: false,
  minify: true,
  clean: true,
  loader: { '.tmpl': 'text' },
  // tsup's own node: plugin would claim node:http before requireHttpBuiltins; esbuild keeps node: builtins external itself.
  removeNodeProtocol: false,
  esbuildPlugins: [requireHttpBuiltins, zodEnglishLocaleOnly],
  banner: {
    // Bundled CommonJS dependencies call require(); give them one in the ESM bundle.
    js: "import { createRequire as __kjoinCreateRequire } from 'node:module'; const require = __kjoinCreateRequire(import.meta.url);",
  },
});
