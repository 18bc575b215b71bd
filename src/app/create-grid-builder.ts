import type { Config } from '../config.js';
import { GridService } from '../core/grid-service.js';
import { type AppOptions, createApp } from '../http/app.js';
import { sharpImaging } from '../imaging/sharp-imaging.js';
import { configureSharp } from '../imaging/sharp-settings.js';
import type { Logger } from '../logger.js';
import type { StorageBackend } from '../storage/storage-backend.js';

/**
 * The one place that wires configuration, storage, service and HTTP app together, for
 * the Node server, the Lambda functions, benches and tests. Takes the storage rather
 * than choosing it (create-storage.ts does), so it imports no storage adapter and the
 * Lambda bundle (S3 + DynamoDB only) carries no SQLite and no native addon but sharp.
 */
export function createGridBuilder(
  config: Config,
  logger: Logger,
  storage: StorageBackend,
  web: Pick<AppOptions, 'webRoot'> = {},
) {
  configureSharp();
  const service = new GridService(storage.objects, storage.index, sharpImaging, {
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
    graceMs: config.GC_GRACE_SECONDS * 1000,
  });
  const app = createApp({
    service,
    logger,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxBufferedUploadBytes: config.MAX_BUFFERED_UPLOAD_BYTES,
    bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
    publicUrl: config.PUBLIC_URL,
    backendRoutes: storage.routes?.bind(storage),
    apiKeys: config.API_KEYS,
    webRoot: web.webRoot,
  });
  return {
    service,
    app,
    close: () => storage.close(),
  };
}

export type GridBuilder = ReturnType<typeof createGridBuilder>;
