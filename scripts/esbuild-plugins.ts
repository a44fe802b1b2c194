// esbuild plugins shared by the two bundles: dist/kjoin.js (tsup.config.ts) and the single binaries' main
// (scripts/build-binaries.ts).
import { dirname, join } from 'node:path';

interface PluginBuild {
  onResolve(options: { filter: RegExp; namespace?: string }, callback: (args: { path: string; importer: string }) => { path: string; namespace?: string } | undefined): void;
  onLoad(options: { filter: RegExp; namespace?: string }, callback: (args: { path: string }) => { contents: string; loader: 'js'; resolveDir?: string }): void;
}

/**
 * zod's `z` namespace re-exports all of its ~60 locales (z.locales, z.core.locales), and a namespace cannot be
 * tree-shaken, so each start of kjoin evaluated them all, about 5 ms. kjoin's messages are English, the locale zod registers itself
 * (classic/schemas.js imports ../locales/en.js directly): the locales namespaces keep only `en`.
 */
export const zodEnglishLocaleOnly = {
  name: 'zod-english-locale-only',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic[\\/]external|mini[\\/]external|core[\\/]index)\.js$/.test(args.importer) ? { path: join(dirname(args.importer), '..', 'locales'), namespace: 'kjoin-zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'kjoin-zod-locales' }, (args) => ({ contents: "export { default as en } from './en.js';", loader: 'js', resolveDir: args.path }));
  },
};

/**
 * node:http and node:https are loaded with require(), not as ES modules. An ES import makes Node build a module
 * facade that reads every export, and on Node 22 node:http exports WebSocket through a getter that loads undici,
 * whose parser is WebAssembly: under kjoin's --lite-mode (which turns WebAssembly off) that read fails and the
 * process exits 1 after its work (test/cli checks the bundle under the single binary's Node 22).
 */
export const requireHttpBuiltins = {
  name: 'require-http-builtins',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /^(node:)?https?$/, namespace: 'file' }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: 'kjoin-cjs-builtin' }));
    build.onLoad({ filter: /.*/, namespace: 'kjoin-cjs-builtin' }, (args) => ({ contents: `module.exports = require('node:${args.path}');`, loader: 'js' }));
  },
};
