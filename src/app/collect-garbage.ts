import type { Config } from '../config.js';
import { createStorage } from './create-storage.js';
import { type SweepReport, sweepOptionsOf, sweepStorage } from './sweep-storage.js';

/** Where `collectGarbage(config)` sweeps, for reports: the data folder, or the bucket and table. */
export const storageLocation = (config: Config) =>
  config.STORAGE === 'local'
    ? { dataDir: config.DATA_DIR }
    : { sourceBucket: config.SOURCE_BUCKET, table: config.TABLE_NAME };

/**
 * `gridbuilder gc` / `npm run gc`: one sweep of the configured storage, sparing anything
 * younger than GC_GRACE_SECONDS (and two-step uploads whose link may still be used), so
 * it is safe while the server runs (see sweep-storage.ts).
 */
export async function collectGarbage(config: Config): Promise<SweepReport> {
  const storage = createStorage(config);
  try {
    return await sweepStorage(storage, sweepOptionsOf(config));
  } finally {
    storage.close();
  }
}
