import { GridBuilderError } from '../core/errors.js';

/**
 * Reads a request body into one Buffer, refusing it as soon as it passes `maxBytes`
 * (by its Content-Length, or while streaming when there is none), so an oversized
 * upload is never buffered whole.
 */
export async function readBody(request: Request, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new GridBuilderError(
      'too_large',
      `The body is larger than the ${maxBytes.toLocaleString('en-US')}-byte limit: send a smaller image${maxBytes >= 4 * 1024 * 1024 ? '' : ' or use the two-step upload'}.`,
    );
  const declared = Number(request.headers.get('content-length'));
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return Buffer.alloc(0);

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
