/**
 * A forwarding HTTP proxy on 127.0.0.1 for tests that need to see or change what
 * goes between an SDK client and a protocol server (fault injection, throttling,
 * latency). Point an adapter at `endpoint` instead of the server's.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ProxyHooks {
  /** Change the request before it is forwarded (return it, changed or not). */
  request?(request: ProxiedRequest): ProxiedRequest | Promise<ProxiedRequest>;
  /** Answer the request here instead of forwarding it (return undefined to forward it). */
  answer?(
    request: ProxiedRequest,
  ): ProxiedResponse | undefined | Promise<ProxiedResponse | undefined>;
  /** Change the server's answer before the client sees it. */
  response?(
    response: ProxiedResponse,
    request: ProxiedRequest,
  ): ProxiedResponse | Promise<ProxiedResponse>;
}

export interface RunningProxy {
  endpoint: string;
  /** Requests forwarded so far. */
  readonly requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/**
 * Not forwarded: hop-by-hop headers, and `expect`, which this server has answered
 * already (it reads the whole body before forwarding) and fetch refuses to send.
 */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'expect',
]);

function send(res: ServerResponse, response: ProxiedResponse) {
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': String(response.body.length),
  });
  res.end(response.body);
}

export async function startProxy(target: string, hooks: ProxyHooks = {}): Promise<RunningProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let request: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      if (hooks.request) request = await hooks.request(request);
      requests.push(request);
      const answered = await hooks.answer?.(request);
      if (answered) {
        send(res, answered);
        return;
      }

      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || NOT_FORWARDED.has(name) || name === 'host') continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const upstream = await fetch(new URL(request.url, target), {
        method: request.method,
        headers,
        body: ['GET', 'HEAD'].includes(request.method) ? undefined : new Uint8Array(request.body),
      });
      let response: ProxiedResponse = {
        status: upstream.status,
        headers: Object.fromEntries(
          [...upstream.headers].filter(([name]) => !NOT_FORWARDED.has(name)),
        ),
        body: Buffer.from(await upstream.arrayBuffer()),
      };
      if (hooks.response) response = await hooks.response(response, request);
      send(res, response);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
