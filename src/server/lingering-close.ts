import type { IncomingMessage, Server } from 'node:http';
import { Socket } from 'node:net';

/** How long, and how many bytes, a refused body is read and discarded after the answer. */
export const LINGER_MS = 2_000;
export const LINGER_BYTES = 64 * 1024 * 1024;

/**
 * Lingering close, as web servers do it. When the server answers before it has read
 * the whole body (413, 503, 408) and closes, Node destroys the socket as soon as the
 * answer is flushed; the client's bytes still arriving then make the kernel send a
 * reset, which also discards the answer the client had not read yet: it saw EPIPE or
 * ECONNRESET and no status (2 to 20 in 20 tries with 4 MB bodies). Instead, the answer
 * is followed by a FIN and the rest of the body is read and thrown away until it ends,
 * for at most `LINGER_MS` and `LINGER_BYTES`; only then is the socket closed.
 *
 * Node closes such connections through `socket.destroySoon()` (after a final answer
 * with `Connection: close`), so that is the one place this hooks, per socket.
 */
export function lingerOnClose(server: Server): void {
  const requestOf = new WeakMap<Socket, IncomingMessage>();
  server.on('request', (request: IncomingMessage) => {
    requestOf.set(request.socket, request);
  });
  server.on('connection', (socket: Socket) => {
    let lingering = false;
    socket.destroySoon = () => {
      const request = requestOf.get(socket);
      if (!request || request.complete || socket.destroyed) {
        Socket.prototype.destroySoon.call(socket);
        return;
      }
      if (lingering) return;
      lingering = true;
      linger(socket, request);
    };
  });
}

function linger(socket: Socket, request: IncomingMessage): void {
  const lingerUntil = performance.now() + LINGER_MS;
  const readBefore = socket.bytesRead;
  // destroy() drops writes still queued: close only once the answer is flushed.
  const close = () => {
    clearInterval(check);
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };
  // Node discards a refused body inside its parser (no 'data' events reach anyone), so
  // the bytes are counted on the socket, a few times a second for at most LINGER_MS.
  const check = setInterval(() => {
    if (performance.now() >= lingerUntil || socket.bytesRead - readBefore > LINGER_BYTES) close();
  }, LINGER_MS / 20);
  check.unref();
  // The whole body read: nothing unread is left to turn the close into a reset.
  request.once('end', close);
  socket.once('close', () => clearInterval(check));
  socket.end();
  request.resume();
}
