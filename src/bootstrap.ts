import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.js';
import type { AppOptions } from './http/app.js';
import type { Logger } from './logger.js';
import { createAwsStorage } from './storage/aws/create-aws-storage.js';
import { DiskSpace } from './storage/local/disk-space.js';
import { FileObjectStore } from './storage/local/file-object-store.js';
import { SqliteGridIndex } from './storage/local/sqlite-grid-index.js';
import { sweepLocalStorage } from './storage/local/sweep.js';
import { loadSigningSecret, UrlSigner } from './storage/local/url-signer.js';
import { type Storage, wireGridBuilder } from './wire-grid-builder.js';

export type { Storage } from './wire-grid-builder.js';

/** Local disk + SQLite under DATA_DIR: the embedded default. */
export function createLocalStorage(config: Config): Storage {
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const signer = new UrlSigner(loadSigningSecret(dataDir, config.URL_SIGNING_SECRET));
  const space = new DiskSpace(dataDir, config.STORAGE_RESERVE_BYTES);
  space.prepare();
  const objects = new FileObjectStore(join(dataDir, 'objects'), signer, config.PUBLIC_URL, space);
  const index = new SqliteGridIndex(join(dataDir, 'index.sqlite'), space);
  return {
    objects,
    index,
    signedFiles: {
      store: objects,
      signer,
      isUsedUpload: (gridId, uploadId) => index.isUploadClaimed(gridId, uploadId),
    },
    sweep: (graceMs) =>
      sweepLocalStorage(objects, index, {
        graceMs,
        gridRetentionMs: config.GRID_RETENTION_DAYS * 86_400_000,
      }),
    close: () => index.close(),
  };
}

/** The storage `config.STORAGE` names: local disk + SQLite, or S3 + DynamoDB. */
export function createStorage(config: Config): Storage {
  return config.STORAGE === 'aws' ? createAwsStorage(config) : createLocalStorage(config);
}

/** The one place that wires configuration, storage, service and HTTP app together. */
export function createGridBuilder(
  config: Config,
  logger: Logger,
  storage: Storage = createStorage(config),
  web: Pick<AppOptions, 'webRoot'> = {},
) {
  return wireGridBuilder(config, logger, storage, web);
}
