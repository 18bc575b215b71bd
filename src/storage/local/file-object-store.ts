import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { GridBuilderError } from '../../core/errors.js';
import { INPUT_FORMATS, OUTPUT_FORMATS } from '../../core/formats.js';
import type { Bucket, ObjectInfo, ObjectStore, SourceImage } from '../../core/ports.js';
import { asStorageError, type DiskSpace, storageFull } from './disk-space.js';
import type { SignedMethod, UrlSigner } from './url-signer.js';

/** By extension: every format stored, uploads and grids alike. */
const CONTENT_TYPES: Record<string, string> = Object.fromEntries(
  [...Object.values(INPUT_FORMATS), ...Object.values(OUTPUT_FORMATS)].map((format) => [
    format.extension,
    format.contentType,
  ]),
);
const SAFE_KEY = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** The HTTP path the server answers signed links on; see signed-file-routes.ts. */
export const SIGNED_FILES_PATH = '/files';

/**
 * The lab's two buckets as folders under `root`. `put` writes a temp file that is
 * flushed and renamed into place, so a crash never leaves half an object under a key
 * someone may ask for; `putNew` (new uploads) writes in place. The content type
 * follows from the key's extension.
 */
export class FileObjectStore implements ObjectStore {
  private readonly tmpDir: string;

  constructor(
    private readonly root: string,
    private readonly signer: UrlSigner,
    /** Absolute base for links; empty makes them relative to the API's origin. */
    private readonly publicUrl = '',
    /** The disk's free space and reserve (the server's store); none in tools and tests. */
    private readonly space?: DiskSpace,
  ) {
    this.tmpDir = join(root, '.tmp');
    mkdirSync(this.tmpDir, { recursive: true });
  }

  async put(bucket: Bucket, key: string, body: Buffer): Promise<void> {
    const target = this.fileOf(bucket, key);
    await this.checkRoom();
    const temp = join(this.tmpDir, randomUUID());
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(body);
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temp, target).catch(async (error) => {
        // The grid's first object: make its folder (not on every put: one syscall less).
        if (!isMissing(error)) throw error;
        await makeFolder(dirname(target));
        await rename(temp, target);
      });
    } catch (error) {
      // At once, not at the next sweep: on a full disk the part written is space others need.
      await rm(temp, { force: true });
      throw asStorageError(error, this.space);
    }
    // The rename is durable only once its folder is flushed: without this, a power
    // loss could keep the index record (SQLite syncs) but lose the object it names.
    await syncFolder(dirname(target));
    this.space?.noteSpaceChanged();
  }

  /**
   * Written in place, its data and its folder entry flushed at the same time: a new
   * upload waits for one flush, not three in a row (a fifth more uploads a second in
   * the bench). A crash leaves at worst a partial file under a key no record names;
   * a failed write removes it at once.
   */
  async putNew(bucket: Bucket, key: string, body: Buffer): Promise<void> {
    const target = this.fileOf(bucket, key);
    await this.checkRoom();
    const file = await open(target, 'wx', 0o600)
      .catch(async (error) => {
        if (!isMissing(error)) throw error;
        await makeFolder(dirname(target));
        return open(target, 'wx', 0o600);
      })
      .catch((error) => {
        throw asStorageError(error, this.space);
      });
    // The folder entry exists from the open on: flush it while the data is written.
    // Both settle before the file is closed or removed, so no write lands after that.
    const data = file.writeFile(body).then(() => file.datasync());
    const [written, synced] = await Promise.allSettled([data, syncFolder(dirname(target))]);
    const failure = [written, synced].find((result) => result.status === 'rejected');
    if (failure) {
      await file.close().catch(() => {});
      await unlink(target).catch(() => {});
      throw asStorageError(failure.reason, this.space);
    }
    await file.close();
    this.space?.noteSpaceChanged();
  }

  /**
   * Refuses new objects while the disk's reserve is given up and cannot be made again:
   * the space a delete frees goes to the reserve first, so the next delete can commit.
   */
  private async checkRoom(): Promise<void> {
    if (this.space && !(await this.space.mayWrite())) {
      this.space.noteOutOfSpace();
      throw storageFull();
    }
  }

  /** The folder of the temp files `put` writes; for the housekeeping, which removes half-written ones. */
  get tempFolder(): string {
    return this.tmpDir;
  }

  async get(bucket: Bucket, key: string): Promise<Buffer> {
    try {
      return await readFile(this.fileOf(bucket, key));
    } catch (error) {
      if (isMissing(error))
        throw new GridBuilderError('not_found', `No object "${key}" in ${bucket}.`);
      throw error;
    }
  }

  async head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.fileOf(bucket, key));
      return info.isFile() ? { size: info.size, contentType: contentTypeOf(key) } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(bucket: Bucket, keys: readonly string[]): Promise<void> {
    await Promise.all(
      keys.map((key) =>
        unlink(this.fileOf(bucket, key)).catch((error) => {
          if (!isMissing(error)) throw error;
        }),
      ),
    );
    if (keys.length > 0) this.space?.noteSpaceChanged();
  }

  async list(bucket: Bucket, prefix: string): Promise<string[]> {
    const bucketDir = join(this.root, bucket);
    const start = join(bucketDir, prefix.slice(0, prefix.lastIndexOf('/') + 1));
    let entries: string[];
    try {
      entries = await readdir(start, { recursive: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      const key = relative(bucketDir, join(start, entry)).split(sep).join('/');
      if (key.startsWith(prefix) && SAFE_KEY.test(key) && (await this.head(bucket, key)))
        keys.push(key);
    }
    return keys.sort();
  }

  async presignGet(bucket: Bucket, key: string, expiresInSeconds: number): Promise<string> {
    return this.presign('GET', bucket, key, expiresInSeconds);
  }

  /** Served small by the signed-files route (`?preview`), made from the file on request. */
  async presignPreview(key: string, expiresInSeconds: number): Promise<string> {
    return `${this.presign('PREVIEW', 'source', key, expiresInSeconds)}&preview`;
  }

  /** The size goes in the link, signed: the signed-files route takes exactly that many bytes. */
  async presignPut(
    bucket: Bucket,
    key: string,
    size: number,
    expiresInSeconds: number,
  ): Promise<string> {
    return this.presign('PUT', bucket, key, expiresInSeconds, size);
  }

  async ping(): Promise<void> {
    await stat(this.tmpDir);
    const full = await this.space?.fullReason();
    if (full) throw new GridBuilderError('storage_full', full);
  }

  async getSource(key: string): Promise<SourceImage> {
    return { bytes: await this.get('source', key), file: this.fileOf('source', key) };
  }

  /** The file of an object; rejects any key that could leave the bucket's folder. */
  fileOf(bucket: Bucket, key: string): string {
    const bucketDir = resolve(this.root, bucket);
    const path = resolve(bucketDir, key);
    if (!SAFE_KEY.test(key) || !path.startsWith(bucketDir + sep)) {
      throw new GridBuilderError('invalid_request', `"${key}" is not a valid object key.`);
    }
    return path;
  }

  private presign(
    method: SignedMethod,
    bucket: Bucket,
    key: string,
    expiresInSeconds: number,
    size?: number,
  ): string {
    this.fileOf(bucket, key);
    const expires = Math.floor(Date.now() / 1000) + expiresInSeconds;
    const signature = this.signer.sign(method, bucket, key, expires, size);
    const sized = size === undefined ? '' : `size=${size}&`;
    return `${this.publicUrl}${SIGNED_FILES_PATH}/${bucket}/${key}?${sized}expires=${expires}&signature=${signature}`;
  }
}

export const contentTypeOf = (key: string): string =>
  CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';

/**
 * Makes an object's folder, durably: a new folder's own entry is flushed in its parent
 * (and so on up to the first folder made), else a power loss could drop the folder
 * with the objects the index records in it.
 */
async function makeFolder(folder: string): Promise<void> {
  const first = (await mkdir(folder, { recursive: true })) ?? folder;
  for (let made = folder; ; made = dirname(made)) {
    await syncFolder(dirname(made));
    if (made === first || made === dirname(made)) return;
  }
}

async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** No object under that key: nothing there, or a folder (a key prefix) rather than a file. */
const isMissing = (error: unknown) =>
  ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((error as NodeJS.ErrnoException)?.code ?? '');
