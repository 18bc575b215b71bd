import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { GridBuilderError } from '../core/errors.js';

/**
 * Reads a request body into one Buffer, refusing it as soon as it passes `maxBytes`
 * (by its Content-Length, or while streaming when there is none), so an oversized
 * upload is never buffered whole.
 */
export async function readBody(c: Context, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new GridBuilderError(
      'too_large',
      `The body is larger than the ${maxBytes.toLocaleString('en-US')}-byte limit: send a smaller image${maxBytes >= 4 * 1024 * 1024 ? '' : ' or use the two-step upload'}.`,
    );
  const declared = Number(c.req.header('content-length'));
  if (declared > maxBytes) throw tooLarge();
  // On the Node server, read the request itself: turning it into a web stream first
  // cost more than the rest of the read in the bench's upload workload.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const chunks = incoming ?? c.req.raw.body;
  if (!chunks) return Buffer.alloc(0);

  const received: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop stops the read; the server discards or cuts off the rest.
    if (size > maxBytes) throw tooLarge();
    received.push(chunk);
  }
  return Buffer.concat(received, size);
}
