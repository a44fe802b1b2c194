import { defineConfig } from 'tsup';

/**
 * node:http and node:https are loaded with require(), not as ES modules. An ES import makes Node build a module
 * facade that reads every export, and on Node 22 node:http exports WebSocket through a getter that loads undici,
 * whose parser is WebAssembly: under kjoin's --lite-mode (which turns WebAssembly off) that read fails and the
 * process exits 1 after its work (test/cli checks the bundle under the single binary's Node 22).
 */
const requireHttpBuiltins = {
  name: 'require-http-builtins',
  setup(build: { onResolve: Function; onLoad: Function }) {
    build.onResolve({ filter: /^(node:)?https?$/, namespace: 'file' }, (args: { path: string }) => ({ path: args.path.replace(/^node:/, ''), namespace: 'kjoin-cjs-builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'kjoin-cjs-builtin' }, (args: { path: string }) => ({ contents: `module.exports = require('node:${args.path}');`, loader: 'js' }));
  },
};

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
  esbuildPlugins: [requireHttpBuiltins],
  banner: {
    // Bundled CommonJS dependencies call require(); give them one in the ESM bundle.
    js: "import { createRequire as __kjoinCreateRequire } from 'node:module'; const require = __kjoinCreateRequire(import.meta.url);",
  },
});
