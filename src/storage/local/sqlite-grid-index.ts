import { type FileHandle, open } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { BuildRecord, GridIndex, ImageRecord, UploadDetails } from '../../core/ports.js';
import { asStorageError, type DiskSpace, freeingReserve } from './disk-space.js';

interface Row {
  grid_id: string;
  s3_key: string;
  image_id: string;
  size: number;
  width: number;
  height: number;
  format: string;
  content_type: string;
  uploaded_at: string;
  /** NULL in rows written before positions existed: their id is their position. */
  position: string | null;
  /** JSON list of sizes; NULL while the image has no renditions recorded. */
  renditions: string | null;
  /** NULL when the client sent no name, and in rows written before names existed. */
  name: string | null;
}

const toRecord = (row: Row): ImageRecord => ({
  gridId: row.grid_id,
  key: row.s3_key,
  imageId: row.image_id,
  size: row.size,
  width: row.width,
  height: row.height,
  format: row.format,
  contentType: row.content_type,
  uploadedAt: row.uploaded_at,
  position: row.position ?? row.image_id,
  ...(row.renditions !== null && { renditions: JSON.parse(row.renditions) as number[] }),
  ...(row.name !== null && { name: row.name }),
});

/**
 * The lab's DynamoDB table `GridBuilder` in SQLite: primary key (uniqueGridId, s3Key),
 * listed in key order, which is upload order because image ids are time-ordered.
 *
 * Durability: WAL, and every add or remove resolves only once the WAL is flushed to
 * disk, so a record survives a crash or power loss. SQLite would flush it itself with
 * synchronous=FULL, but better-sqlite3 is synchronous: the fsync would stop the event
 * loop (a fifth of the server's main thread in the bench's upload workload). So the
 * database runs with synchronous=NORMAL (SQLite still flushes at checkpoints) and the
 * commit's flush is an `fdatasync` of the WAL file in libuv's thread pool.
 */
export class SqliteGridIndex implements GridIndex {
  private readonly db: Database.Database;
  private readonly statements;

  /** The WAL file, opened at the first flush (SQLite creates it with the first write). */
  private wal: Promise<FileHandle> | undefined;

  constructor(
    private readonly file: string,
    /** Gives deletes room on a full disk (the server's index); none in tools and tests. */
    private readonly space?: DiskSpace,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS images (
      grid_id TEXT NOT NULL,
      s3_key TEXT NOT NULL,
      image_id TEXT NOT NULL,
      size INTEGER NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      format TEXT NOT NULL,
      content_type TEXT NOT NULL,
      uploaded_at TEXT NOT NULL,
      PRIMARY KEY (grid_id, s3_key)
    ) WITHOUT ROWID`);
    // Added by a later version: an older index gets the column, NULL for its rows.
    const columns = this.db.pragma('table_info(images)') as { name: string }[];
    if (!columns.some((column) => column.name === 'position')) {
      this.db.exec('ALTER TABLE images ADD COLUMN position TEXT');
    }
    if (!columns.some((column) => column.name === 'renditions')) {
      this.db.exec('ALTER TABLE images ADD COLUMN renditions TEXT');
    }
    if (!columns.some((column) => column.name === 'name')) {
      this.db.exec('ALTER TABLE images ADD COLUMN name TEXT');
    }
    // Deleting an image finds it by id without reading its grid's other rows.
    this.db.exec('CREATE INDEX IF NOT EXISTS images_by_id ON images (grid_id, image_id)');
    this.db.exec(`CREATE TABLE IF NOT EXISTS grid_orders (
      grid_id TEXT NOT NULL PRIMARY KEY,
      image_ids TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS confirmed_uploads (
      grid_id TEXT NOT NULL,
      upload_id TEXT NOT NULL,
      keep_until INTEGER NOT NULL,
      PRIMARY KEY (grid_id, upload_id)
    ) WITHOUT ROWID`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS pending_uploads (
      grid_id TEXT NOT NULL,
      upload_id TEXT NOT NULL,
      details TEXT NOT NULL,
      keep_until INTEGER NOT NULL,
      PRIMARY KEY (grid_id, upload_id)
    ) WITHOUT ROWID`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS builds (
      grid_id TEXT NOT NULL,
      build_id TEXT NOT NULL,
      record TEXT NOT NULL,
      keep_until INTEGER NOT NULL,
      PRIMARY KEY (grid_id, build_id)
    ) WITHOUT ROWID`);
    this.statements = {
      add: this.db.prepare<Row>(
        `INSERT OR REPLACE INTO images
         (grid_id, s3_key, image_id, size, width, height, format, content_type, uploaded_at, position,
         renditions, name)
         VALUES (@grid_id, @s3_key, @image_id, @size, @width, @height, @format, @content_type,
         @uploaded_at, @position, @renditions, @name)`,
      ),
      setRenditions: this.db.prepare<[string, string, string]>(
        'UPDATE images SET renditions = ? WHERE grid_id = ? AND s3_key = ?',
      ),
      list: this.db.prepare<[string], Row>('SELECT * FROM images WHERE grid_id = ?'),
      find: this.db.prepare<[string, string], Row>(
        'SELECT * FROM images WHERE grid_id = ? AND image_id = ?',
      ),
      getOrder: this.db.prepare<[string], { image_ids: string }>(
        'SELECT image_ids FROM grid_orders WHERE grid_id = ?',
      ),
      setOrder: this.db.prepare<[string, string]>(
        'INSERT OR REPLACE INTO grid_orders VALUES (?, ?)',
      ),
      removeOrder: this.db.prepare<[string]>('DELETE FROM grid_orders WHERE grid_id = ?'),
      remove: this.db.prepare<[string, string]>(
        'DELETE FROM images WHERE grid_id = ? AND s3_key = ?',
      ),
      claim: this.db.prepare<[string, string, number]>(
        'INSERT OR IGNORE INTO confirmed_uploads VALUES (?, ?, ?)',
      ),
      forgetClaims: this.db.prepare<[number]>('DELETE FROM confirmed_uploads WHERE keep_until < ?'),
      isClaimed: this.db.prepare<[string, string]>(
        'SELECT 1 FROM confirmed_uploads WHERE grid_id = ? AND upload_id = ?',
      ),
      putUpload: this.db.prepare<[string, string, string, number]>(
        'INSERT OR REPLACE INTO pending_uploads VALUES (?, ?, ?, ?)',
      ),
      getUpload: this.db.prepare<[string, string, number], { details: string }>(
        'SELECT details FROM pending_uploads WHERE grid_id = ? AND upload_id = ? AND keep_until >= ?',
      ),
      forgetUploads: this.db.prepare<[number]>('DELETE FROM pending_uploads WHERE keep_until < ?'),
      putBuild: this.db.prepare<[string, string, string, number]>(
        'INSERT OR REPLACE INTO builds VALUES (?, ?, ?, ?)',
      ),
      getBuild: this.db.prepare<[string, string, number], { record: string }>(
        'SELECT record FROM builds WHERE grid_id = ? AND build_id = ? AND keep_until >= ?',
      ),
      forgetBuilds: this.db.prepare<[number]>('DELETE FROM builds WHERE keep_until < ?'),
      runningBuilds: this.db.prepare<[number], { record: string }>(
        `SELECT record FROM builds WHERE keep_until >= ? AND json_extract(record, '$.status') = 'running'`,
      ),
      ping: this.db.prepare('SELECT 1'),
    };
  }

  /**
   * Group commit: records added in the same turn of the event loop are written in one
   * transaction, so concurrent uploads share one WAL fsync instead of queueing one
   * each on the event loop (it was 18% of the server's main thread in the bench's
   * upload workload). Each caller still resolves only after its record is committed.
   */
  add(record: ImageRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingAdds.push({ record, resolve, reject });
      if (this.pendingAdds.length === 1) setImmediate(() => this.commitPendingAdds());
    });
  }

  private readonly pendingAdds: {
    record: ImageRecord;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];

  private async commitPendingAdds() {
    const batch = this.pendingAdds.splice(0);
    try {
      this.db.transaction(() => {
        for (const { record } of batch) {
          this.statements.add.run({
            grid_id: record.gridId,
            s3_key: record.key,
            image_id: record.imageId,
            size: record.size,
            width: record.width,
            height: record.height,
            format: record.format,
            content_type: record.contentType,
            uploaded_at: record.uploadedAt,
            position: record.position,
            renditions: record.renditions ? JSON.stringify(record.renditions) : null,
            name: record.name ?? null,
          });
        }
      })();
      await this.flushWal();
    } catch (error) {
      const failure = asStorageError(error, this.space);
      for (const { reject } of batch) reject(failure);
      return;
    }
    for (const { resolve } of batch) resolve();
  }

  private async flushWal(): Promise<void> {
    this.wal ??= open(`${this.file}-wal`, 'r');
    // fdatasync, as SQLite's own commits on Linux: the WAL's size is flushed with its data.
    await (await this.wal).datasync();
  }

  async list(gridId: string): Promise<ImageRecord[]> {
    return this.statements.list.all(gridId).map(toRecord);
  }

  async find(gridId: string, imageId: string): Promise<ImageRecord | undefined> {
    const row = this.statements.find.get(gridId, imageId);
    return row && toRecord(row);
  }

  async getOrder(gridId: string): Promise<string[] | undefined> {
    const row = this.statements.getOrder.get(gridId);
    return row ? (JSON.parse(row.image_ids) as string[]) : undefined;
  }

  /** One statement, so one atomic write; flushed like a record before it resolves. */
  async setOrder(gridId: string, imageIds: readonly string[]): Promise<void> {
    try {
      if (imageIds.length === 0) {
        freeingReserve(this.space, () => this.statements.removeOrder.run(gridId));
      } else {
        this.statements.setOrder.run(gridId, JSON.stringify(imageIds));
      }
      await this.flushWal();
    } catch (error) {
      throw asStorageError(error, this.space);
    }
  }

  /**
   * The primary key makes the claim atomic: one INSERT adds the row, the others are
   * ignored. Not flushed on its own: the image's record, flushed before the confirm
   * answers, comes later in the same WAL, so it is durable with the record.
   */
  async claimUpload(gridId: string, uploadId: string, keepUntil: Date): Promise<boolean> {
    try {
      this.statements.forgetClaims.run(Date.now());
      return this.statements.claim.run(gridId, uploadId, keepUntil.getTime()).changes === 1;
    } catch (error) {
      throw asStorageError(error, this.space);
    }
  }

  /**
   * One JSON column, like a build's record. Flushed before the upload's link is given:
   * a crash after it must not lose the name its confirm will record.
   */
  async putUpload(
    gridId: string,
    uploadId: string,
    details: UploadDetails,
    keepUntil: Date,
  ): Promise<void> {
    try {
      this.statements.forgetUploads.run(Date.now());
      this.statements.putUpload.run(gridId, uploadId, JSON.stringify(details), keepUntil.getTime());
      await this.flushWal();
    } catch (error) {
      throw asStorageError(error, this.space);
    }
  }

  async getUpload(gridId: string, uploadId: string): Promise<UploadDetails | undefined> {
    const row = this.statements.getUpload.get(gridId, uploadId, Date.now());
    return row && (JSON.parse(row.details) as UploadDetails);
  }

  /**
   * Not flushed on its own: a lost update only makes the renditions again (they are
   * derived data), which is cheaper than an fsync per image in the background.
   */
  async setRenditions(gridId: string, key: string, sizes: readonly number[]): Promise<boolean> {
    try {
      return this.statements.setRenditions.run(JSON.stringify(sizes), gridId, key).changes === 1;
    } catch (error) {
      throw asStorageError(error, this.space);
    }
  }

  /** Whether the upload was confirmed (for the local upload links: they are single-use). */
  isUploadClaimed(gridId: string, uploadId: string): boolean {
    return this.statements.isClaimed.get(gridId, uploadId) !== undefined;
  }

  async remove(gridId: string, keys: readonly string[]): Promise<void> {
    try {
      freeingReserve(this.space, () =>
        this.db.transaction(() => {
          for (const key of keys) this.statements.remove.run(gridId, key);
        })(),
      );
      // Durable before the caller deletes the objects: a record must never outlive its object.
      await this.flushWal();
    } catch (error) {
      throw asStorageError(error, this.space);
    }
  }

  /**
   * The record as one JSON column: one statement replaces it whole. Flushed like an
   * image's record, so a build answered 202 is still known after a crash.
   */
  async putBuild(record: BuildRecord, keepUntil: Date): Promise<void> {
    try {
      this.statements.putBuild.run(
        record.gridId,
        record.buildId,
        JSON.stringify(record),
        keepUntil.getTime(),
      );
      await this.flushWal();
    } catch (error) {
      throw asStorageError(error, this.space);
    }
  }

  async getBuild(gridId: string, buildId: string): Promise<BuildRecord | undefined> {
    const row = this.statements.getBuild.get(gridId, buildId, Date.now());
    return row && (JSON.parse(row.record) as BuildRecord);
  }

  /** A day's builds at most (housekeeping forgets older ones): a scan of the table is cheap. */
  async runningBuilds(): Promise<BuildRecord[]> {
    return this.statements.runningBuilds
      .all(Date.now())
      .map((row) => JSON.parse(row.record) as BuildRecord);
  }

  /** Removes the build records kept until before `now` (housekeeping); returns how many. */
  forgetBuilds(now: number): number {
    return freeingReserve(this.space, () => this.statements.forgetBuilds.run(now)).changes;
  }

  async ping(): Promise<void> {
    this.statements.ping.get();
  }

  close(): void {
    this.db.close();
    void this.wal?.then((handle) => handle.close()).catch(() => {});
  }
}
