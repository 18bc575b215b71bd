import { GridBuilderError } from './errors.js';

/**
 * A two-step upload declares its size when it asks for its link, and the link takes a
 * body of exactly that size (S3: a signed Content-Length; locally: a signed size the
 * PUT route checks), so storage refuses any other body before it is stored.
 */
export const UPLOAD_SIZE_INVALID =
  "size must be the file's size in bytes, a whole number from 1: its upload link takes exactly that many bytes.";

/** Refuses a declared size that is not a whole number from 1, or is over the limit. */
export function checkUploadSize(size: number, maxBytes: number): void {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new GridBuilderError('invalid_request', UPLOAD_SIZE_INVALID, {
      code: 'invalid_parameter',
      param: 'size',
    });
  }
  if (size > maxBytes) throw overLimit(size, maxBytes, 'size');
}

/** An image of `size` bytes is over the upload limit; `param` when the size was declared. */
export const overLimit = (size: number, maxBytes: number, param?: string) =>
  new GridBuilderError('too_large', `The image is ${size} bytes; the limit is ${maxBytes} bytes.`, {
    code: 'body_too_large',
    ...(param === undefined ? {} : { param }),
  });
