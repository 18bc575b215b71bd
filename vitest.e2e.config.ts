import { defineConfig } from 'vitest/config';

/** Browser end-to-end tests: `npm run test:e2e` (needs Chromium, see test/e2e/browser.ts). */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    // One browser at a time: the machine is small and the tests are long.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: 'silent' },
  },
});
