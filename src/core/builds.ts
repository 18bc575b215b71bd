import { type ErrorKind, type GridBuilderError, isGridBuilderError } from './errors.js';
import type { BuiltGrid } from './grid-service.js';
import type { BuildRecord } from './ports.js';

/** Build records are kept this long after their last write (then TTL or housekeeping). */
export const BUILD_KEPT_MS = 24 * 3_600_000;
/**
 * Runs of one build at most: Lambda's first asynchronous invocation and its 2 retries,
 * and as many in-process.
 */
export const BUILD_RUNS = 3;
/** A running build writes its progress no more often than this. */
export const PROGRESS_INTERVAL_MS = 1000;

/** Failures another run may not meet: the storage's or the server's load, not the grid's. */
const PASSING_KINDS: readonly ErrorKind[] = [
  'storage_unavailable',
  'storage_full',
  'overloaded',
  'timeout',
];

/** Where a build stands, as a client is told. */
export interface BuildStatus {
  gridId: string;
  buildId: string;
  status: BuildRecord['status'];
  tilesDone: number;
  tilesTotal: number;
  error?: BuildRecord['error'];
  /** The grid, with a fresh link, once done. */
  built?: BuiltGrid;
}

/**
 * Whether the error is the grid's or the request's own (grid_empty, grid_too_large,
 * corrupt_image...): a synchronous build would have answered it, and a retry would
 * meet it again.
 */
export const isFinalBuildError = (error: unknown): error is GridBuilderError =>
  isGridBuilderError(error) && !PASSING_KINDS.includes(error.kind);

/** A failure in the words of the error: what a synchronous build would have answered. */
export const failedWith = (error: unknown): Pick<BuildRecord, 'status' | 'error'> => ({
  status: 'failed',
  error: isGridBuilderError(error)
    ? { code: error.code, message: error.message }
    : { code: 'build_failed', message: `The build could not be started: ${messageOf(error)}` },
});

/** The failure of a build whose every run met an error that might have passed. */
export const exhausted = (error: unknown, runs: number): Pick<BuildRecord, 'status' | 'error'> => ({
  status: 'failed',
  error: {
    code: 'build_failed',
    message: `The grid could not be built in ${runs} attempts (the last failed with: ${messageOf(error)}). Start the build again in a few minutes; the images are unchanged.`,
  },
});

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The record as a client sees it: a running build that stopped writing is reported failed. */
export function statusOf(record: BuildRecord, stallMs: number, now = Date.now()): BuildStatus {
  const { gridId, buildId, tilesDone, tilesTotal } = record;
  const stalled = record.status === 'running' && Date.parse(record.updatedAt) < now - stallMs;
  if (stalled) {
    return {
      gridId,
      buildId,
      status: 'failed',
      tilesDone,
      tilesTotal,
      error: {
        code: 'build_stalled',
        message: `The build stopped making progress (its worker stopped): start it again with POST /generate_grid?uniqueGridId=${gridId}.`,
      },
    };
  }
  return {
    gridId,
    buildId,
    status: record.status,
    tilesDone,
    tilesTotal,
    ...(record.error && { error: record.error }),
  };
}

/**
 * Writes a running build's record as tiles are placed: about once a second, one write
 * at a time (a slow store skips updates rather than queueing them), and the outcome
 * last, after any progress write still under way.
 */
export class ProgressWriter {
  private lastWrite = 0;
  private writing: Promise<void> | undefined;

  constructor(
    private record: BuildRecord,
    private readonly put: (record: BuildRecord) => Promise<void>,
  ) {}

  /** Writes the record as it stands now. */
  async write(): Promise<void> {
    await this.settled();
    await this.putNow();
  }

  /** A (re)start of the build over `tilesTotal` images. */
  begin(tilesTotal: number): void {
    this.record = { ...this.record, tilesTotal, tilesDone: 0 };
  }

  /** Counts a tile placed; the first one is written at once, so progress shows early. */
  tile(): void {
    this.record = { ...this.record, tilesDone: this.record.tilesDone + 1 };
    if (this.writing || Date.now() - this.lastWrite < PROGRESS_INTERVAL_MS) return;
    this.lastWrite = Date.now();
    // Progress is a courtesy: a failed write leaves the next one to tell.
    this.writing = this.putNow()
      .catch(() => {})
      .finally(() => {
        this.writing = undefined;
      });
  }

  /** Resolves once no progress write is under way. */
  async settled(): Promise<void> {
    await this.writing;
  }

  /** Writes the outcome; a done build has placed every tile. */
  async end(change: Pick<BuildRecord, 'status'> & Partial<BuildRecord>): Promise<void> {
    await this.settled();
    this.record = {
      ...this.record,
      ...change,
      ...(change.status === 'done' && { tilesDone: this.record.tilesTotal }),
    };
    await this.putNow();
  }

  private putNow(): Promise<void> {
    this.record = { ...this.record, updatedAt: new Date().toISOString() };
    return this.put(this.record);
  }
}
