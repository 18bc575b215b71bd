import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { GridBuilderError } from '../../core/errors.js';
import type { Bucket, ObjectInfo, ObjectStore, SourceImage } from '../../core/ports.js';
import { isNotFound, storageFailure } from './storage-errors.js';

/** DeleteObjects takes at most 1000 keys a request. */
const DELETE_BATCH = 1000;

/**
 * The lab's two buckets on S3 (or any S3-compatible store). Every object is written
 * with its real Content-Type, so presigned GETs serve the right type. Presigned URLs
 * are signed locally by the SDK: the bytes of a two-step upload go to S3 directly.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    /** Bucket names of the ports' 'source' and 'destination'. */
    private readonly buckets: Readonly<Record<Bucket, string>>,
  ) {}

  /** S3 makes every PUT atomic anyway. */
  putNew(bucket: Bucket, key: string, body: Buffer, contentType: string): Promise<void> {
    return this.put(bucket, key, body, contentType);
  }

  async put(bucket: Bucket, key: string, body: Buffer, contentType: string): Promise<void> {
    await this.send('store an object', () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.buckets[bucket],
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.length,
        }),
      ),
    );
  }

  async get(bucket: Bucket, key: string): Promise<Buffer> {
    return this.send('read an object', async () => {
      try {
        const response = await this.client.send(
          new GetObjectCommand({ Bucket: this.buckets[bucket], Key: key }),
        );
        if (!response.Body) return Buffer.alloc(0);
        const bytes = await response.Body.transformToByteArray();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if (isNotFound(error)) {
          throw new GridBuilderError('not_found', `No object "${key}" in ${bucket}.`, {
            cause: error,
          });
        }
        throw error;
      }
    });
  }

  async getSource(key: string): Promise<SourceImage> {
    return { bytes: await this.get('source', key) };
  }

  async head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined> {
    return this.send('read object details', async () => {
      try {
        const response = await this.client.send(
          new HeadObjectCommand({ Bucket: this.buckets[bucket], Key: key }),
        );
        return {
          size: response.ContentLength ?? 0,
          contentType: response.ContentType ?? 'application/octet-stream',
        };
      } catch (error) {
        // A 404 needs s3:ListBucket on the bucket; without it S3 answers 403 for a
        // missing key, which must stay an error rather than pass for "missing".
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  async delete(bucket: Bucket, keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const response = await this.send('delete objects', () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.buckets[bucket],
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      // DeleteObjects answers 200 even when single keys fail; a missing key is not a failure.
      const failed = (response.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        throw new GridBuilderError(
          'storage_unavailable',
          `Storage is unavailable: S3 could not delete ${failed.length} object(s) (${first?.Code}: ${first?.Message}). Please try again shortly.`,
        );
      }
    }
  }

  async list(bucket: Bucket, prefix: string): Promise<string[]> {
    return this.send('list objects', async () => {
      const keys: string[] = [];
      const pages = paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.buckets[bucket], Prefix: prefix },
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      }
      return keys;
    });
  }

  async presignGet(bucket: Bucket, key: string, expiresInSeconds: number): Promise<string> {
    return this.send('sign a download link', () =>
      getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.buckets[bucket], Key: key }), {
        expiresIn: expiresInSeconds,
      }),
    );
  }

  /** S3 cannot resize on the way out: the original, until renditions are stored. */
  presignPreview(key: string, expiresInSeconds: number): Promise<string> {
    return this.presignGet('source', key, expiresInSeconds);
  }

  /**
   * Content-Length is signed: S3 recomputes the signature over the length the PUT
   * declares and refuses any other with 403 SignatureDoesNotMatch, storing nothing.
   * (Unsigned, one link took up to 5 GB, as often as it was used.) No Content-Type is
   * signed, so any client (curl sends its own default) can PUT; confirming the upload
   * sniffs the real type and stores the image under it.
   */
  async presignPut(
    bucket: Bucket,
    key: string,
    size: number,
    expiresInSeconds: number,
  ): Promise<string> {
    const command = new PutObjectCommand({
      Bucket: this.buckets[bucket],
      Key: key,
      ContentLength: size,
    });
    return this.send('sign an upload link', () =>
      getSignedUrl(this.client, command, {
        expiresIn: expiresInSeconds,
        // Signed even should the presigner come to count it among the headers it leaves out.
        signableHeaders: new Set(['content-length']),
      }),
    );
  }

  async ping(): Promise<void> {
    await this.send('reach the buckets', () =>
      Promise.all(
        Object.values(this.buckets).map((Bucket) =>
          this.client.send(new HeadBucketCommand({ Bucket })),
        ),
      ),
    );
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw storageFailure('S3', action, error);
    }
  }
}
