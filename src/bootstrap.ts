import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.js';
import { GridService } from './core/grid-service.js';
import type { GridIndex, ObjectStore } from './core/ports.js';
import { configureSharp } from './core/sharp-settings.js';
import { type AppOptions, createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { FileObjectStore } from './storage/local/file-object-store.js';
import { SqliteGridIndex } from './storage/local/sqlite-grid-index.js';
import { type SweepReport, sweepLocalStorage } from './storage/local/sweep.js';
import { loadSigningSecret, UrlSigner } from './storage/local/url-signer.js';

export interface Storage {
  objects: ObjectStore;
  index: GridIndex;
  /** Extra routes the backend needs (the local one serves its own signed links). */
  signedFiles?: AppOptions['signedFiles'];
  /**
   * Removes what a crash left behind (objects without a record, half-written files)
   * once older than `graceMs`. Only where the backend needs it: on AWS, S3 lifecycle
   * rules do this.
   */
  sweep?(graceMs: number): Promise<SweepReport>;
  close(): void;
}

/** Local disk + SQLite under DATA_DIR: the embedded default. */
export function createLocalStorage(config: Config): Storage {
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const signer = new UrlSigner(loadSigningSecret(dataDir, config.URL_SIGNING_SECRET));
  const objects = new FileObjectStore(join(dataDir, 'objects'), signer, config.PUBLIC_URL);
  const index = new SqliteGridIndex(join(dataDir, 'index.sqlite'));
  return {
    objects,
    index,
    signedFiles: { store: objects, signer, maxUploadBytes: config.MAX_UPLOAD_BYTES },
    sweep: (graceMs) => sweepLocalStorage(objects, index, { graceMs }),
    close: () => index.close(),
  };
}

/** The one place that wires configuration, storage, service and HTTP app together. */
export function createGridBuilder(
  config: Config,
  logger: Logger,
  storage: Storage = createLocalStorage(config),
) {
  configureSharp();
  const service = new GridService(storage.objects, storage.index, {
    defaultTileSize: config.TILE_SIZE,
    urlExpiresSeconds: config.URL_EXPIRES_SECONDS,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxInputPixels: config.MAX_INPUT_PIXELS,
    maxOutputPixels: config.MAX_OUTPUT_PIXELS,
    buildInFlight: config.BUILD_IN_FLIGHT,
    decodeConcurrency: config.DECODE_CONCURRENCY,
    maxConcurrentBuilds: config.MAX_CONCURRENT_BUILDS,
    maxConcurrentValidations: config.MAX_CONCURRENT_VALIDATIONS,
    maxQueued: config.MAX_QUEUED,
    queueTimeoutMs: config.QUEUE_TIMEOUT_MS,
  });
  const app = createApp({
    service,
    logger,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    publicUrl: config.PUBLIC_URL,
    signedFiles: storage.signedFiles,
    apiKeys: config.API_KEYS,
  });
  return {
    service,
    app,
    sweep: storage.sweep?.bind(storage),
    close: () => storage.close(),
  };
}
