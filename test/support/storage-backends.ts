import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGridBuilder, createLocalStorage, type Storage } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import type { GridService } from '../../src/core/grid-service.js';
import { createLogger } from '../../src/logger.js';
import { createAwsStorage } from '../../src/storage/aws/create-aws-storage.js';
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
