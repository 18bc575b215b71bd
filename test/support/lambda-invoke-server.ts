/**
 * Lambda's Invoke API on 127.0.0.1 for tests, as @aws-sdk/client-lambda speaks it:
 * `POST /2015-03-31/functions/{name}/invocations`. An asynchronous invocation
 * (`X-Amz-Invocation-Type: Event`) is answered 202 at once and run afterwards, in
 * this process, by the handler given for that name, with Lambda's rule for
 * asynchronous invocations: a handler that throws runs again, twice by default (Lambda
 * waits about a minute, then two; here it does not wait), then the event is dropped.
 * Point a LambdaClient at `endpoint` (AWS_ENDPOINT_URL_LAMBDA).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaHandler } from './api-gateway-events.js';
import { lambdaContext } from './api-gateway-events.js';

export type LambdaFunction = LambdaHandler;

/** One asynchronous invocation, once Lambda is done with it. */
export interface Invocation {
  functionName: string;
  payload: unknown;
  /** Runs of the handler, retries included. */
  attempts: number;
  /** What the last run threw, if it threw: the event was dropped. */
  error?: unknown;
}

export interface RunningLambda {
  endpoint: string;
  /** The invocations finished so far, in the order they finished. */
  readonly invocations: Invocation[];
  /** Resolves once no invocation is running or waiting for a retry. */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** An error as Lambda sends it: its type in a header, which the SDK turns into the exception's name. */
function sendError(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
  });
  res.end(JSON.stringify({ Type: 'User', message }));
}

export async function startLambdaInvokeServer(
  functions: Record<string, LambdaFunction>,
  { retryAttempts = 2 } = {},
): Promise<RunningLambda> {
  const invocations: Invocation[] = [];
  const running = new Set<Promise<void>>();

  async function runEvent(functionName: string, handler: LambdaFunction, payload: unknown) {
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(payload as never, lambdaContext(functionName) as never);
        invocations.push({ functionName, payload, attempts: attempt });
        return;
      } catch (error) {
        if (attempt > retryAttempts) {
          invocations.push({ functionName, payload, attempts: attempt, error });
          return;
        }
      }
    }
  }

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = req.method === 'POST' ? INVOKE_PATH.exec(req.url?.split('?')[0] ?? '') : null;
    if (!match) {
      sendError(
        res,
        404,
        'UnknownOperationException',
        `no such operation: ${req.method} ${req.url}`,
      );
      return;
    }
    const functionName = decodeURIComponent(match[1] as string);
    const handler = functions[functionName];
    if (!handler) {
      sendError(res, 404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
      return;
    }
    if (req.headers['x-amz-invocation-type'] !== 'Event') {
      sendError(
        res,
        400,
        'InvalidParameterValueException',
        'this server runs Event invocations only',
      );
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      sendError(
        res,
        400,
        'InvalidRequestContentException',
        'Could not parse request body into json',
      );
      return;
    }
    const run = runEvent(functionName, handler, payload).finally(() => running.delete(run));
    running.add(run);
    res.writeHead(202, { 'x-amzn-requestid': crypto.randomUUID() });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const whenIdle = async () => {
    while (running.size > 0) await Promise.all(running);
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    whenIdle,
    async stop() {
      await whenIdle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
