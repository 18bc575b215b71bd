import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../config.js';
import type { StorageBackend } from '../storage-backend.js';
import { DiskSpace } from './disk-space.js';
import { FileObjectStore } from './file-object-store.js';
import { localHousekeeping } from './housekeeping.js';
import { signedFileRoutes } from './signed-file-routes.js';
import { SqliteGridIndex } from './sqlite-grid-index.js';
import { loadSigningSecret, UrlSigner } from './url-signer.js';

/** Local disk + SQLite under DATA_DIR: the embedded default. */
export function createLocalStorage(config: Config): StorageBackend {
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
    routes: (bodies) =>
      signedFileRoutes(
        {
          store: objects,
          signer,
          isUsedUpload: (gridId, uploadId) => index.isUploadClaimed(gridId, uploadId),
        },
        bodies,
      ),
    housekeeping: (graceMs) =>
      localHousekeeping(objects, index, {
        graceMs,
        gridRetentionMs: config.GRID_RETENTION_DAYS * 86_400_000,
      }),
    close: () => index.close(),
  };
}
