import type { Config } from '../src/config.js';
import { createLocalStorage } from '../src/storage/local/create-local-storage.js';
import type { StorageBackend } from '../src/storage/storage-backend.js';

/** The storage the configuration names (local files + SQLite unless STORAGE=aws). */
export async function createBenchStorage(config: Config): Promise<StorageBackend> {
  return createLocalStorage(config);
}
