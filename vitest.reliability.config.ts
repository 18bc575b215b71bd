import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: load, crash, fault, fuzz and auth tests. Slower than the
 * unit tests (about 3-4 minutes on 2 cores), so kept out of `npm test`; CI runs both.
 * Files run one at a time: each starts its own servers and measures its own memory.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    env: { LOG_LEVEL: 'silent' },
  },
});
