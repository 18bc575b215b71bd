import { createLocalStorage, type Storage } from '../src/bootstrap.js';
import type { Config } from '../src/config.js';

/** The storage the configuration names (local files + SQLite unless STORAGE=aws). */
export async function createBenchStorage(config: Config): Promise<Storage> {
  return createLocalStorage(config);
}
