import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import { GridService } from '../core/grid-service.js';
import type { BuildRunner, Imaging } from '../core/ports.js';
import { RenditionWorker } from '../core/rendition-worker.js';
import { makeRenditions } from '../core/renditions.js';
import { type AppOptions, createApp } from '../http/app.js';
import { createSharpImaging } from '../imaging/sharp-imaging.js';
import { configureSharp } from '../imaging/sharp-settings.js';
import type { Logger } from '../logger.js';
import type { StorageBackend } from '../storage/storage-backend.js';

/**
 * Images waiting for their renditions in one process; a fuller queue drops requests,
 * which listings and builds repeat. Keys are short: this is well under a megabyte.
 */
const RENDITION_QUEUE_LIMIT = 10_000;

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
  parts: Pick<AppOptions, 'webRoot'> & {
    imaging?: Imaging;
    /** Where background builds run: the storage's runner or, without one, this process. */
    buildRunner?: BuildRunner;
  } = {},
) {
  configureSharp();
  const imaging = parts.imaging ?? createSharpImaging(config.TILE_CACHE_MB * 2 ** 20);
  // Local only: on AWS the source bucket's events will have renditions made.
  const renditions =
    config.STORAGE === 'local' && config.RENDITION_SIZES.length > 0
      ? new RenditionWorker({
          make: (key) => makeRenditions(storage, imaging, key, config.RENDITION_SIZES),
          room: (): Promise<void> => service.whenIdle(),
          limit: RENDITION_QUEUE_LIMIT,
          onError: (key, error) =>
            logger.warn(
              { err: error, key },
              'could not make the renditions of an image; builds read its original',
            ),
        })
      : undefined;
  const service = new GridService(
    storage.objects,
    storage.index,
    imaging,
    {
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
      cores: availableParallelism(),
      syncBuildSeconds: config.SYNC_BUILD_SECONDS,
      maxBackgroundBuilds: config.MAX_BACKGROUND_BUILDS,
      buildStallSeconds: config.BUILD_STALL_SECONDS,
    },
    renditions,
    parts.buildRunner ?? storage.buildRunner,
  );
  const app = createApp({
    service,
    logger,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxBufferedUploadBytes: config.MAX_BUFFERED_UPLOAD_BYTES,
    bodyIdleTimeoutMs: config.BODY_IDLE_TIMEOUT_MS,
    publicUrl: config.PUBLIC_URL,
    backendRoutes: storage.routes?.bind(storage),
    apiKeys: config.API_KEYS,
    webRoot: parts.webRoot,
  });
  return {
    service,
    app,
    /** The background worker, if this process has one (tests wait on it). */
    renditions,
    /**
     * Waits for the builds under way (background ones too) for at most `graceMs` (no
     * limit when not given), stops the worker (the image under way finishes), then closes
     * the storage. A background build still under way then fails to write and is run no
     * more here: its record says `running`, and the next start on this storage resumes it.
     */
    close: async (graceMs = Number.POSITIVE_INFINITY) => {
      await within(service.whenIdle(), graceMs);
      service.stopBackgroundBuilds();
      await renditions?.stop();
      storage.close();
    },
  };
}

export type GridBuilder = ReturnType<typeof createGridBuilder>;

/** Resolves when `work` does, or after `ms`, whichever is first. */
async function within(work: Promise<void>, ms: number): Promise<void> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}
