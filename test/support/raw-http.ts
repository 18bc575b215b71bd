import { connect, type Socket } from 'node:net';

/** What a raw client saw on one connection, up to the server's close (or the cap). */
export interface RawReply {
  /** 'closed' once the server ended the connection; 'open' if `capMs` passed first. */
  how: 'closed' | 'open';
  text: string;
  /** The status of the first final (non-1xx) answer, if one arrived. */
  status: number | undefined;
  /** The first error the socket reported (EPIPE, ECONNRESET...), if any. */
  error: string | undefined;
}

/** A plain TCP connection to an `http://host:port` URL, for requests no HTTP client sends. */
export const openSocket = (url: string): Socket => {
  const { hostname, port } = new URL(url);
  return connect({ host: hostname, port: Number(port) });
};

/**
 * Resolves once the server ends the connection, or after `capMs` (a bound for a broken
 * server, not a measurement): with all bytes read until then.
 */
export function replyOf(socket: Socket, capMs: number): Promise<RawReply> {
  let text = '';
  let error: string | undefined;
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error ??= e.code ?? e.message;
  });
  const result = (how: RawReply['how']): RawReply => ({ how, text, status: statusOf(text), error });
  return new Promise((resolve) => {
    const cap = setTimeout(() => resolve(result('open')), capMs);
    socket.once('close', () => {
      clearTimeout(cap);
      resolve(result('closed'));
    });
  });
}

/** Resolves when `text` has arrived on the socket (e.g. "100 Continue"); rejects on close. */
export function received(socket: Socket, text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes(text)) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before "${text}" arrived: ${seen}`)));
  });
}

const statusOf = (text: string): number | undefined => {
  for (const match of text.matchAll(/HTTP\/1\.1 (\d{3})/g)) {
    const status = Number(match[1]);
    if (status >= 200) return status;
  }
  return undefined;
};

/** The JSON body of the first final answer in a raw reply (Content-Length framed). */
export function jsonBodyOf(text: string): unknown {
  const start = text.search(/HTTP\/1\.1 [2-5]\d\d/);
  const head = text.indexOf('\r\n\r\n', start);
  const length = Number(/content-length: (\d+)/i.exec(text.slice(start, head))?.[1]);
  return JSON.parse(text.slice(head + 4, head + 4 + length));
}
