/**
 * A pass-through HTTP front on 127.0.0.1 that notes which requests carried an
 * Authorization header. It keeps the Host header, so the server builds its absolute
 * URLs (presigned links, confirm URLs) on the recorder's origin and the client's
 * follow-up requests pass through it too. Bodies stream straight through. `intercept`
 * may answer a request itself, or drop its connection, instead (fault injection).
 */
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query (signatures do not belong in assertions). */
  path: string;
  authorization: string | undefined;
}

export interface HeaderRecorder {
  url: string;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

/** An answer given in the server's stead, or `drop`: the connection closed unanswered. */
export type Intercepted =
  | { status: number; headers?: Record<string, string>; body?: string }
  | 'drop';

export async function startHeaderRecorder(
  target: string,
  intercept: (request: RecordedRequest) => Intercepted | undefined = () => undefined,
): Promise<HeaderRecorder> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const recorded = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://recorder').pathname,
      authorization: req.headers.authorization,
    };
    requests.push(recorded);
    const instead = intercept(recorded);
    if (instead === 'drop') {
      req.socket.destroy();
      return;
    }
    if (instead) {
      res.writeHead(instead.status, instead.headers);
      res.end(instead.body);
      return;
    }
    const outgoing = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
    req.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
