import type { Server, ServerResponse } from 'node:http';

/**
 * Prepares `server` for a graceful close and returns it: stop listening (new connections
 * are refused), close idle keep-alive connections at once and the others as soon as
 * their request is answered (answers from then on say `Connection: close`), and after
 * `graceMs` close whatever is still open. Resolves once every connection is gone.
 * Without it a SIGTERM reset uploads and builds in flight, whose clients then could
 * not tell whether the image was saved.
 */
export function gracefulClose(server: Server): (graceMs: number) => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  server.on('request', (_request, response: ServerResponse) => {
    inFlight.add(response);
    if (closing) response.shouldKeepAlive = false;
    response.once('close', () => {
      inFlight.delete(response);
      // Its connection is idle only once Node has finished with the answer.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return (graceMs) =>
    new Promise<void>((done) => {
      closing = true;
      for (const response of inFlight) {
        if (!response.headersSent) response.shouldKeepAlive = false;
      }
      const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(deadline);
        done();
      });
      server.closeIdleConnections();
    });
}
