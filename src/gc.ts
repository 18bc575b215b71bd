import { createLocalStorage } from './bootstrap.js';
import type { Config } from './config.js';
import type { SweepReport } from './storage/local/sweep.js';

/**
 * `gridbuilder gc` / `npm run gc`: removes what crashes left in the local backend
 * (see src/storage/local/sweep.ts), sparing files younger than GC_GRACE_SECONDS.
 * Safe while the server runs. Undefined for STORAGE=aws, where S3 lifecycle rules
 * expire unrecorded uploads instead.
 */
export async function collectGarbage(
  config: Config,
  graceSeconds = config.GC_GRACE_SECONDS,
): Promise<SweepReport | undefined> {
  if (config.STORAGE !== 'local') return undefined;
  const storage = createLocalStorage(config);
  try {
    return await storage.sweep?.(graceSeconds * 1000);
  } finally {
    storage.close();
  }
}
