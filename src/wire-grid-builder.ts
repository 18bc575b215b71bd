import type { Config } from './config.js';
import { GridService } from './core/grid-service.js';
import type { GridIndex, ObjectStore } from './core/ports.js';
import { configureSharp } from './core/sharp-settings.js';
import { type AppOptions, createApp } from './http/app.js';
import type { Logger } from './logger.js';

export interface Storage {
  objects: ObjectStore;
  index: GridIndex;
  /** Extra routes the backend needs (the local one serves its own signed links). */
  signedFiles?: AppOptions['signedFiles'];
  close(): void;
}

/**
 * Service and HTTP app over a given storage. Imports no storage adapter, so the
 * Lambda bundle (S3 + DynamoDB only) carries no SQLite and no native addon but sharp.
 */
export function wireGridBuilder(config: Config, logger: Logger, storage: Storage) {
  configureSharp();
  const service = new GridService(storage.objects, storage.index, {
    defaultTileSize: config.TILE_SIZE,
    urlExpiresSeconds: config.URL_EXPIRES_SECONDS,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxInputPixels: config.MAX_INPUT_PIXELS,
    maxOutputPixels: config.MAX_OUTPUT_PIXELS,
    buildInFlight: config.BUILD_IN_FLIGHT,
    decodeConcurrency: config.DECODE_CONCURRENCY,
  });
  const app = createApp({
    service,
    logger,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    publicUrl: config.PUBLIC_URL,
    signedFiles: storage.signedFiles,
  });
  return { service, app, close: () => storage.close() };
}

export type GridBuilder = ReturnType<typeof wireGridBuilder>;
