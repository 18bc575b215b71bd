import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createGridBuilder } from '../../src/app/create-grid-builder.js';
import { loadConfig } from '../../src/config.js';
import { GridService } from '../../src/core/grid-service.js';
import type { GridIndex, ObjectStore } from '../../src/core/ports.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { createLogger } from '../../src/logger.js';
import { createAwsStorage } from '../../src/storage/aws/create-aws-storage.js';
import { createLocalStorage } from '../../src/storage/local/create-local-storage.js';
import type { StorageBackend as Storage } from '../../src/storage/storage-backend.js';
import {
  type AwsServers,
  awsClientOverrides,
  awsStorageConfig,
  startAwsServers,
} from './aws-servers.js';

/**
 * Both storage backends, opened fresh, with the service settings the configuration
 * gives: for tests that must hold on each (`describe.each(STORAGE_BACKENDS)`).
 */
export interface StorageBackend {
  name: string;
  open(): Promise<{ storage: Storage; settings: GridService['settings']; stop(): Promise<void> }>;
}

const logger = createLogger('silent');

export const STORAGE_BACKENDS: StorageBackend[] = [
  {
    name: 'local disk + SQLite',
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-backend-'));
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
      const storage = createLocalStorage(config);
      return {
        storage,
        settings: createGridBuilder(config, logger, storage).service.settings,
        async stop() {
          storage.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'S3 + DynamoDB protocol servers',
    async open() {
      const servers: AwsServers = await startAwsServers();
      const config = awsStorageConfig(servers);
      const storage = createAwsStorage(config, awsClientOverrides(servers));
      return {
        storage,
        settings: createGridBuilder(config, logger, storage).service.settings,
        async stop() {
          storage.close();
          await servers.stop();
        },
      };
    },
  },
];

/**
 * Opens `backend` before the enclosing suite's tests and stops it after them. Gives its
 * storage and a service over its ports, or over stand-ins for one of them (a pause point).
 */
export function useStorageBackend(backend: StorageBackend) {
  let opened: Awaited<ReturnType<StorageBackend['open']>> | undefined;
  beforeAll(async () => {
    opened = await backend.open();
  });
  afterAll(async () => {
    await opened?.stop();
  });
  const current = () => {
    if (!opened) throw new Error(`${backend.name} is not open yet`);
    return opened;
  };
  return {
    get storage(): Storage {
      return current().storage;
    },
    get settings(): GridService['settings'] {
      return current().settings;
    },
    service(
      objects: ObjectStore = current().storage.objects,
      index: GridIndex = current().storage.index,
    ): GridService {
      return new GridService(objects, index, sharpImaging, current().settings);
    },
  };
}
