import type { Config } from '../config.js';
import { createAwsStorage } from '../storage/aws/create-aws-storage.js';
import { createLocalStorage } from '../storage/local/create-local-storage.js';
import type { StorageBackend } from '../storage/storage-backend.js';

/** The storage `config.STORAGE` names: local disk + SQLite, or S3 + DynamoDB. */
export function createStorage(config: Config): StorageBackend {
  return config.STORAGE === 'aws' ? createAwsStorage(config) : createLocalStorage(config);
}
