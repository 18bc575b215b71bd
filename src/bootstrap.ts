import type { Config } from './config.js';
import type { AppOptions } from './http/app.js';
import type { Logger } from './logger.js';
import { createAwsStorage } from './storage/aws/create-aws-storage.js';
import { createLocalStorage } from './storage/local/create-local-storage.js';
import type { StorageBackend } from './storage/storage-backend.js';
import { wireGridBuilder } from './wire-grid-builder.js';

/** The storage `config.STORAGE` names: local disk + SQLite, or S3 + DynamoDB. */
export function createStorage(config: Config): StorageBackend {
  return config.STORAGE === 'aws' ? createAwsStorage(config) : createLocalStorage(config);
}

/** The one place that wires configuration, storage, service and HTTP app together. */
export function createGridBuilder(
  config: Config,
  logger: Logger,
  storage: StorageBackend = createStorage(config),
  web: Pick<AppOptions, 'webRoot'> = {},
) {
  return wireGridBuilder(config, logger, storage, web);
}
