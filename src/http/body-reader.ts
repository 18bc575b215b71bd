import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { GridBuilderError } from '../core/errors.js';

/**
 * Reads request bodies into Buffers within two limits: one body's size (refused as soon
 * as it passes, by its Content-Length or while streaming, so an oversized upload is
 * never buffered whole), and the bytes of all bodies held at once: an upload waits in
 * memory for its check and its write, and a flood of big ones must get 503s, not
 * exhaust the server's memory.
 *
 * Bytes count against the budget as they arrive, never as declared: a client that
 * declares 24 MB and sends nothing must not hold 24 MB of the budget (22 such
 * connections once locked every upload out). A body that sends nothing for `idleMs` is
 * cut off with 408, so a stalled client costs only its own connection.
 */
export class BodyReader {
  private heldBytes = 0;
  /** Never less than `maxBytes`, so that one upload of the largest size always fits. */
  private readonly maxHeldBytes: number;

  constructor(
    private readonly maxBytes: number,
    maxHeldBytes: number,
    private readonly idleMs = 5_000,
  ) {
    this.maxHeldBytes = Math.max(maxHeldBytes, maxBytes);
  }

  /**
   * Reads the body and runs `use` with it; its bytes count as held until `use` settles.
   * With `exactBytes` (an upload link's signed size), a body of any other length is
   * refused: by its Content-Length before it is read, else as soon as it passes that
   * length, or when it ends short of it; `use` never sees it.
   */
  async read<T>(c: Context, use: (body: Buffer) => Promise<T>, exactBytes?: number): Promise<T> {
    let reserved = 0;
    const received: Uint8Array[] = [];
    const take = (chunk: Uint8Array) => {
      if (exactBytes !== undefined && reserved + chunk.byteLength > exactBytes) {
        throw sizeMismatch(exactBytes, 'longer');
      }
      if (reserved + chunk.byteLength > this.maxBytes) throw this.tooLarge();
      if (this.heldBytes + chunk.byteLength > this.maxHeldBytes) {
        throw new GridBuilderError(
          'overloaded',
          'The server is receiving too many uploads at once: try again in a few seconds.',
        );
      }
      this.heldBytes += chunk.byteLength;
      reserved += chunk.byteLength;
      received.push(chunk);
    };
    try {
      const length = c.req.header('content-length');
      const declared = Number(length);
      if (exactBytes !== undefined && length !== undefined && declared !== exactBytes) {
        throw sizeMismatch(exactBytes, declared);
      }
      if (declared > this.maxBytes) throw this.tooLarge();
      // On the Node server, read the request itself: turning it into a web stream first
      // cost more than the rest of the read in the bench's upload workload.
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      if (incoming) await this.readIncoming(incoming, take);
      else await readStream(c.req.raw.body, take);
      if (exactBytes !== undefined && reserved < exactBytes)
        throw sizeMismatch(exactBytes, reserved);
      const body = Buffer.concat(received, reserved);
      // The chunks are copied: let them go now, not when `use` settles.
      received.length = 0;
      return await use(body);
    } finally {
      this.heldBytes -= reserved;
    }
  }

  /**
   * Reads with listeners rather than `for await`: leaving such a loop destroys the
   * request and its socket, and the 413 or 503 then never reaches the client. Once
   * refused, the rest of the body flows to no listener (discarded) until the server
   * closes the connection (src/server/lingering-close.ts).
   */
  private readIncoming(incoming: IncomingMessage, take: (chunk: Uint8Array) => void) {
    return new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const stop = (error?: unknown) => {
        clearTimeout(idle);
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('error', onFailure);
        incoming.off('close', onFailure);
        if (error === undefined) resolve();
        else reject(error);
      };
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => stop(this.stalled()), this.idleMs);
      };
      const onData = (chunk: Buffer) => {
        try {
          take(chunk);
          arm();
        } catch (error) {
          stop(error);
        }
      };
      const onEnd = () => stop();
      const onFailure = () =>
        stop(
          new GridBuilderError(
            'invalid_request',
            'The connection closed before the whole body arrived: send the upload again.',
          ),
        );
      if (incoming.readableEnded) return resolve();
      incoming.on('data', onData);
      incoming.once('end', onEnd);
      incoming.once('error', onFailure);
      incoming.once('close', onFailure);
      arm();
    });
  }

  private stalled() {
    return new GridBuilderError(
      'timeout',
      `No part of the body arrived for ${this.idleMs.toLocaleString('en-US')} ms: the upload was cut off. Send the whole body without pausing.`,
    );
  }

  private tooLarge() {
    return new GridBuilderError(
      'too_large',
      `The body is larger than the ${this.maxBytes.toLocaleString('en-US')}-byte limit: send a smaller image${this.maxBytes >= 4 * 1024 * 1024 ? '' : ' or use the two-step upload'}.`,
      { code: 'body_too_large' },
    );
  }
}

/**
 * A body whose length is not the one its upload link was signed for: 413 when longer
 * (its rest is left unread, so the connection closes), else 400.
 */
function sizeMismatch(exactBytes: number, got: number | 'longer'): GridBuilderError {
  const words = (n: number) => `${n.toLocaleString('en-US')} bytes`;
  const body = got === 'longer' ? 'is longer' : `has ${words(got)}`;
  return new GridBuilderError(
    got === 'longer' || got > exactBytes ? 'too_large' : 'invalid_request',
    `This upload link takes exactly ${words(exactBytes)}, the size declared when it was asked for; this body ${body}. PUT the file unchanged, or ask for a new link with its size.`,
    { code: 'upload_size_mismatch' },
  );
}

/** A body that is already complete (Lambda events, tests calling app.request). */
async function readStream(
  body: ReadableStream<Uint8Array> | null,
  take: (chunk: Uint8Array) => void,
): Promise<void> {
  if (!body) return;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) take(chunk);
}
