import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, expectTypeOf, test } from 'vitest';
import { createGridBuilder } from '../../src/app/create-grid-builder.js';
import { loadConfig } from '../../src/config.js';
import type { GridServiceSettings } from '../../src/core/grid-service.js';
import { createLogger } from '../../src/logger.js';
import { createLocalStorage } from '../../src/storage/local/create-local-storage.js';

test('the service takes its limits from the configuration, the one place defaults are set', () => {
  // No setting is optional, so no service default can differ from the configuration's.
  expectTypeOf<GridServiceSettings>().toEqualTypeOf<Required<GridServiceSettings>>();

  const dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-wiring-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    SYNC_BUILD_SECONDS: '7',
    MAX_BACKGROUND_BUILDS: '3',
    BUILD_STALL_SECONDS: '120',
  });
  const storage = createLocalStorage(config);
  try {
    const { settings } = createGridBuilder(config, createLogger('silent'), storage).service;
    expect(settings).toMatchObject({
      maxConcurrentBuilds: config.MAX_CONCURRENT_BUILDS,
      maxConcurrentValidations: config.MAX_CONCURRENT_VALIDATIONS,
      maxQueued: config.MAX_QUEUED,
      queueTimeoutMs: config.QUEUE_TIMEOUT_MS,
      graceMs: config.GC_GRACE_SECONDS * 1000,
      syncBuildSeconds: 7,
      maxBackgroundBuilds: 3,
      buildStallSeconds: 120,
    });
  } finally {
    storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
