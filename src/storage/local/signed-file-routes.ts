import { Hono } from 'hono';
import { Admission } from '../../core/admission.js';
import { GridBuilderError } from '../../core/errors.js';
import { uploadOfStagingKey } from '../../core/ids.js';
import type { Bucket } from '../../core/ports.js';
import { previewOf } from '../../imaging/preview.js';
import type { BodyReading } from '../storage-backend.js';
import { fileDownload, IMAGE_HEADERS, openFile } from './file-download.js';
import { contentTypeOf, type FileObjectStore, SIGNED_FILES_PATH } from './file-object-store.js';
import type { SignedMethod, UrlSigner } from './url-signer.js';

export interface SignedFilesOptions {
  store: FileObjectStore;
  signer: UrlSigner;
  /** Whether the two-step upload was confirmed already: its link is used. */
  isUsedUpload?(gridId: string, uploadId: string): boolean;
}

const BUCKETS: readonly string[] = ['source', 'destination'] satisfies Bucket[];

/**
 * What S3 does for presigned URLs, for the local backend: GET an object, or PUT the
 * bytes of a two-step upload, with a link whose signature and expiry check out.
 */
export const signedFileRoutes = (
  { store, signer, isUsedUpload }: SignedFilesOptions,
  bodies: BodyReading,
): Hono => {
  const authorize = (
    method: SignedMethod,
    bucket: string,
    key: string,
    query: Record<string, string>,
  ) => {
    if (!BUCKETS.includes(bucket)) throw new GridBuilderError('not_found', 'No such file.');
    const verdict = signer.verify(method, bucket, key, query);
    if (verdict === 'expired') {
      throw new GridBuilderError('forbidden', 'This link has expired: ask the API for a new one.', {
        code: 'link_expired',
      });
    }
    if (verdict === 'invalid') {
      throw new GridBuilderError(
        'forbidden',
        'This link is not valid: it was altered or is incomplete.',
        { code: 'link_invalid' },
      );
    }
    return bucket as Bucket;
  };

  // A page opening a big grid asks for dozens of previews at once: decode a few at a
  // time, and turn a flood away (503) rather than queue it without end.
  const previews = new Admission('image previews', {
    concurrency: 2,
    maxQueued: 200,
    queueTimeoutMs: 30_000,
  });

  return new Hono()
    .get(`${SIGNED_FILES_PATH}/:bucket/:key{.+}`, async (c) => {
      const { bucket, key } = c.req.param();
      const query = c.req.query();
      const missing = `No object "${key}" in ${bucket}.`;
      if ('preview' in query) {
        const path = store.fileOf(authorize('PREVIEW', bucket, key, query), key);
        const preview = await previews.run(async () => {
          const { file } = await openFile(path, missing);
          const bytes = await file.readFile().finally(() => file.close());
          return previewOf(bytes, path);
        });
        return c.body(new Uint8Array(preview), 200, {
          ...IMAGE_HEADERS,
          'Content-Type': 'image/jpeg',
        });
      }
      return fileDownload(c, {
        path: store.fileOf(authorize('GET', bucket, key, query), key),
        contentType: contentTypeOf(key),
        name: key.slice(key.lastIndexOf('/') + 1),
        missing,
      });
    })
    .put(`${SIGNED_FILES_PATH}/:bucket/:key{.+}`, async (c) => {
      const { bucket, key } = c.req.param();
      const target = authorize('PUT', bucket, key, c.req.query());
      // The confirm would refuse these bytes anyway (a link adds one image): say so now,
      // before they are read and stored for nothing.
      const upload = uploadOfStagingKey(key);
      if (upload && isUsedUpload?.(upload.gridId, upload.uploadId)) {
        throw new GridBuilderError(
          'conflict',
          `This upload link was used already: it adds one image. Ask for a new one (POST /grids/${upload.gridId}/uploads).`,
          { code: 'upload_used' },
        );
      }
      // Signed with the link: the size its client declared when it asked for it.
      const declared = Number(c.req.query('size'));
      const size = await bodies.read(
        c,
        async (body) => {
          await store.put(target, key, body);
          return body.length;
        },
        declared,
      );
      return c.json({ message: 'upload received', size }, 200);
    });
};
