import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Browser tests need Chromium: `npm run test:e2e`; the reliability suite: `npm run test:reliability`.
    exclude: ['test/e2e/**', 'test/reliability/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: 'silent' },
  },
});
