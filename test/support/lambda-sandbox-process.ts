// One Lambda function's sandbox, started by test/support/lambda-sandbox.ts: its own
// Node process with only its own environment, as Lambda gives each function, so its
// handlers build their SDK clients on its endpoints alone. It imports the handlers
// module, prints one JSON line {"port": N} once listening, and runs each
// `POST / {"handler", "event"}` as Lambda would: {"result"} or {"error"} back, with the
// context's awsRequestId. After each invocation it prints {"invoked": awsRequestId}:
// the lines before it are what the function had written by the time it returned. It
// exits when its stdin closes, so it never outlives the test process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lambdaContext } from './api-gateway-events.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const handlers = (await import('../../src/lambda/handlers.js')) as unknown as Record<
  string,
  Handler
>;
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const { handler, event } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const context = lambdaContext(functionName);
  const { awsRequestId } = context;
  let answer: unknown;
  try {
    const run = handlers[handler];
    if (!run) throw new Error(`no handler ${handler}`);
    answer = { result: (await run(event, context)) ?? null, awsRequestId };
  } catch (error) {
    answer = { error: { name: (error as Error).name, message: (error as Error).message } };
  }
  process.stdout.write(`${JSON.stringify({ invoked: awsRequestId })}\n`);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(answer));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
