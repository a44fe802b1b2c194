import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // templates/*.tmpl are bundled as text by tsup (loader '.tmpl': 'text'); do the same under vitest.
      name: 'kjoin-tmpl-as-text',
      enforce: 'pre',
      transform(code: string, id: string) {
        if (!id.endsWith('.tmpl')) return null;
        return { code: `export default ${JSON.stringify(code)};`, map: null };
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'forks',
  },
});
