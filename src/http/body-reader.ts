import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { GridBuilderError } from '../core/errors.js';

/**
 * Reads request bodies into Buffers within two limits: one body's size (refused as soon
 * as it passes, by its Content-Length or while streaming, so an oversized upload is
 * never buffered whole), and the bytes of all bodies held at once: an upload waits in
 * memory for its check and its write, and a flood of big ones must get 503s, not
 * exhaust the server's memory.
 */
export class BodyReader {
  private heldBytes = 0;
  /** Never less than `maxBytes`, so that one upload of the largest size always fits. */
  private readonly maxHeldBytes: number;

  constructor(
    private readonly maxBytes: number,
    maxHeldBytes: number,
  ) {
    this.maxHeldBytes = Math.max(maxHeldBytes, maxBytes);
  }

  /** Reads the body and runs `use` with it; its bytes count as held until `use` settles. */
  async read<T>(c: Context, use: (body: Buffer) => Promise<T>): Promise<T> {
    let reserved = 0;
    const reserve = (bytes: number) => {
      if (this.heldBytes + bytes > this.maxHeldBytes) {
        throw new GridBuilderError(
          'overloaded',
          'The server is receiving too many uploads at once: try again in a few seconds.',
        );
      }
      this.heldBytes += bytes;
      reserved += bytes;
    };
    try {
      return await use(await this.readBody(c, reserve));
    } finally {
      this.heldBytes -= reserved;
    }
  }

  private async readBody(c: Context, reserve: (bytes: number) => void): Promise<Buffer> {
    const declared = Number(c.req.header('content-length'));
    if (declared > this.maxBytes) throw this.tooLarge();
    // With a Content-Length (which Node's parser holds the body to) the whole size is
    // reserved up front; without one, chunk by chunk.
    const chunked = !(declared > 0);
    if (!chunked) reserve(declared);
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
      if (size > this.maxBytes) throw this.tooLarge();
      if (chunked) reserve(chunk.byteLength);
      received.push(chunk);
    }
    return Buffer.concat(received, size);
  }

  private tooLarge() {
    return new GridBuilderError(
      'too_large',
      `The body is larger than the ${this.maxBytes.toLocaleString('en-US')}-byte limit: send a smaller image${this.maxBytes >= 4 * 1024 * 1024 ? '' : ' or use the two-step upload'}.`,
    );
  }
}
