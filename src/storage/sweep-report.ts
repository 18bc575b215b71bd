/** What one sweep of a backend removed; a backend reports only what it sweeps, the rest empty. */
export interface SweepReport {
  /** Source objects no index record names (a crash while storing, or before recording). */
  unrecordedImages: string[];
  /** Two-step uploads never confirmed. */
  abandonedUploads: string[];
  /** Built grids of grids that have no image left (a crash in the middle of a grid delete). */
  orphanedGrids: string[];
  /** Built grids older than the retention period (GRID_RETENTION_DAYS). */
  expiredGrids: string[];
  /** Half-written temp files (a crash in the middle of a write). */
  tempFiles: number;
}

/** The counts of a report, for a log line. */
export const sweepSummary = (report: SweepReport) => ({
  unrecordedImages: report.unrecordedImages.length,
  abandonedUploads: report.abandonedUploads.length,
  orphanedGrids: report.orphanedGrids.length,
  expiredGrids: report.expiredGrids.length,
  tempFiles: report.tempFiles,
});
