import type { Config } from '../config.js';
import {
  sweepUnrecordedObjects,
  type UnrecordedSweepOptions,
  type UnrecordedSweepReport,
} from '../core/sweep-unrecorded.js';
import type { HousekeepingReport, StorageBackend } from '../storage/storage-backend.js';

/** What one sweep removed: through the ports on every backend, plus the backend's own housekeeping where it has some. */
export interface SweepReport extends UnrecordedSweepReport {
  housekeeping?: HousekeepingReport;
}

/**
 * The garbage sweep, one for every backend: removes unrecorded source objects and
 * abandoned two-step uploads through the ports (dated by the ULID in their key), then
 * runs the backend's own housekeeping. GridService writes the object before the record
 * and removes the record before the object, so a crash can leave an object without a
 * record, never the reverse; the grace period spares uploads between their two writes,
 * so it is safe while servers run. Used by the server (at start and every
 * GC_INTERVAL_SECONDS) and by `gridbuilder gc` / `npm run gc`.
 */
export async function sweepStorage(
  storage: StorageBackend,
  options: UnrecordedSweepOptions,
): Promise<SweepReport> {
  const report = await sweepUnrecordedObjects(storage.objects, storage.index, options);
  if (!storage.housekeeping) return report;
  return { ...report, housekeeping: await storage.housekeeping(options.graceMs) };
}

/** The sweep's options as the configuration gives them, for the server and `gc` alike. */
export const sweepOptionsOf = (
  config: Pick<Config, 'GC_GRACE_SECONDS' | 'URL_EXPIRES_SECONDS'>,
): UnrecordedSweepOptions => ({
  graceMs: config.GC_GRACE_SECONDS * 1000,
  // A two-step upload's bytes may arrive until its link expires, and be confirmed for
  // the grace period after that (GridService.confirmUpload).
  uploadGraceMs: (config.GC_GRACE_SECONDS + config.URL_EXPIRES_SECONDS) * 1000,
});

/** The counts of a report, for a log line: what the backend does not sweep is not there. */
export const sweepSummary = ({ housekeeping, ...report }: SweepReport) => ({
  unrecordedImages: report.unrecordedImages.length,
  unrecordedRenditions: report.unrecordedRenditions.length,
  abandonedUploads: report.abandonedUploads.length,
  ...(housekeeping && {
    orphanedGrids: housekeeping.orphanedGrids.length,
    expiredGrids: housekeeping.expiredGrids.length,
    tempFiles: housekeeping.tempFiles,
    expiredBuilds: housekeeping.expiredBuilds,
  }),
});
