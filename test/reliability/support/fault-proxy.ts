import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to one request:
 * - `throttle`: answers as the service does when it throttles (S3 503 SlowDown,
 *   DynamoDB 400 ThrottlingException), without forwarding;
 * - `error`: answers a 500 InternalError without forwarding;
 * - `reset-before`: drops the connection before forwarding (the write never happens);
 * - `reset-after`: forwards, lets the service apply it, then drops the connection
 *   (the write happened but the client never hears so: the nastiest case).
 */
export type Fault = 'none' | 'throttle' | 'error' | 'reset-before' | 'reset-after';
export const FAULTS: readonly Fault[] = ['throttle', 'error', 'reset-before', 'reset-after'];

export interface FaultProxy {
  endpoint: string;
  /** How many requests got each treatment. */
  readonly counts: Record<Fault, number>;
  /** Decides the fault of each request from its method, path and SDK attempt number. */
  policy: (request: { method: string; url: string; attempt: number }) => Fault;
  /** Closes the port (connections refused), as if the service were stopped. */
  down(): Promise<void>;
  /** Opens the same port again. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

const THROTTLED = {
  s3: {
    status: 503,
    type: 'application/xml',
    body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
  },
  dynamodb: {
    status: 400,
    type: 'application/x-amz-json-1.0',
    body: '{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}',
  },
};
const FAILED = {
  s3: {
    status: 500,
    type: 'application/xml',
    body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>',
  },
  dynamodb: {
    status: 500,
    type: 'application/x-amz-json-1.0',
    body: '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}',
  },
};

const readAll = async (stream: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** A proxy on 127.0.0.1 in front of an S3 or DynamoDB protocol server that injects faults. */
export async function startFaultProxy(
  target: string,
  flavour: 's3' | 'dynamodb',
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const counts: Record<Fault, number> = {
    none: 0,
    throttle: 0,
    error: 0,
    'reset-before': 0,
    'reset-after': 0,
  };
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request']))?.[1] ?? 1);
    const fault = proxy.policy({ method: req.method ?? 'GET', url: req.url ?? '/', attempt });
    counts[fault]++;
    if (fault === 'reset-before') return void req.socket.destroy();
    if (fault === 'throttle' || fault === 'error') {
      const answer = (fault === 'throttle' ? THROTTLED : FAILED)[flavour];
      res.writeHead(answer.status, { 'content-type': answer.type });
      return void res.end(answer.body);
    }
    // Forward unchanged, Host included: S3 request signatures cover it.
    const forwarded = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    forwarded.on('response', async (answer) => {
      const answerBody = await readAll(answer);
      if (fault === 'reset-after') return void req.socket.destroy();
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.end(answerBody);
    });
    forwarded.on('error', () => req.socket.destroy());
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    policy: () => 'none',
    down: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    up: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    stop: async () => {
      if (!server.listening) return;
      await proxy.down();
    },
  };
  return proxy;
}
