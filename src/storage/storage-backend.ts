import type { Context, Hono } from 'hono';
import type { GridIndex, ObjectStore } from '../core/ports.js';
import type { SweepReport } from './sweep-report.js';

/**
 * Reads a request's body within the HTTP app's limits. The app hands its own reader to
 * a backend's routes, so their uploads share one memory budget with the API's.
 */
export interface BodyReading {
  read<T>(c: Context, use: (body: Buffer) => Promise<T>): Promise<T>;
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
   * Removes what a crash left behind (objects without a record, half-written files)
   * once older than `graceMs`, and built grids past their retention. Only where the
   * backend needs it: on AWS, S3 lifecycle rules expire built grids and `gc` sweeps
   * through the ports.
   */
  sweep?(graceMs: number): Promise<SweepReport>;
  close(): void;
}
