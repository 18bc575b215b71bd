import type { Context, Hono } from 'hono';
import type { BuildRunner, GridIndex, ObjectStore } from '../core/ports.js';

/**
 * Reads a request's body within the HTTP app's limits. The app hands its own reader to
 * a backend's routes, so their uploads share one memory budget with the API's.
 */
export interface BodyReading {
  /** With `exactBytes`, a body of any other length is refused (`upload_size_mismatch`). */
  read<T>(c: Context, use: (body: Buffer) => Promise<T>, exactBytes?: number): Promise<T>;
}

/** One storage backend, as the composition roots wire it: the core's two ports and what else it brings. */
export interface StorageBackend {
  objects: ObjectStore;
  index: GridIndex;
  /**
   * Routes the backend answers itself, mounted by the HTTP app at `/` (the local one
   * serves its own signed links; S3 serves them on AWS).
   */
  routes?(bodies: BodyReading): Hono;
  /**
   * What only this backend must clean up, run after the sweep through the ports
   * (src/core/sweep-unrecorded.ts, which removes unrecorded objects on every backend):
   * locally, half-written temp files and built grids of emptied grids, older than
   * `graceMs`, built grids past their retention, and expired build records. None on
   * AWS: S3 writes leave no temp files, S3 lifecycle rules expire built grids and
   * DynamoDB's TTL build records.
   */
  housekeeping?(graceMs: number): Promise<HousekeepingReport>;
  /**
   * Where builds answered 202 run, when not in this process: on AWS, the BuildWorker
   * function, when BUILD_FUNCTION_NAME names it.
   */
  buildRunner?: BuildRunner;
  close(): void;
}

/** What a backend's housekeeping removed. */
export interface HousekeepingReport {
  /** Built grids of grids that have no image left (a crash in the middle of a grid delete). */
  orphanedGrids: string[];
  /** Built grids older than the retention period (GRID_RETENTION_DAYS). */
  expiredGrids: string[];
  /** Half-written temp files (a crash in the middle of a write). */
  tempFiles: number;
  /** Build records past their keeping (a day after their last write). */
  expiredBuilds: number;
}
