import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headerOf,
  httpApiEvent,
  jsonOf,
  type ProxyResult,
  restApiEvent,
} from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { solidImage } from '../support/images.js';
import { type LambdaSandbox, startLambdaSandbox } from '../support/lambda-sandbox.js';
import { eventKey, objectCreatedRecord, s3Event } from '../support/s3-events.js';

// The functions' log lines as CloudWatch gets them: the function runs in its own
// process, and its stdout is read up to the line the sandbox prints once the handler
// has returned (when Lambda would freeze it). Every line must be there by then, and
// carry Lambda's and API Gateway's ids of the invocation; the answer carries API
// Gateway's id as X-Request-Id, so a user's report, the access log and the function's
// log name the same request.

const GRID = 'logs';
let servers: AwsServers;
let sandbox: LambdaSandbox;

beforeAll(async () => {
  servers = await startAwsServers();
  sandbox = await startLambdaSandbox('GridBuilder-AddImage', {
    ...awsEnv(servers),
    LOG_LEVEL: 'info',
    RENDITION_SIZES: '256',
  });
});

afterAll(async () => {
  await sandbox?.stop();
  await servers?.stop();
});

const LAMBDA_LOGGER = fileURLToPath(new URL('../../src/lambda/lambda-logger.ts', import.meta.url));

/** What a process that logs two lines and is killed at once (a sandbox gone) printed. */
async function printedBeforeKilled(): Promise<string[]> {
  const script = `
    const { createLambdaLogger } = await import(${JSON.stringify(LAMBDA_LOGGER)});
    const logger = createLambdaLogger('info');
    logger.info('one');
    logger.info('two');
    process.kill(process.pid, 'SIGKILL');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(child, 'close');
  return Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
}

const parsed = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('Lambda log lines and request ids', () => {
  // An asynchronous destination has the first line in flight and holds the second in
  // memory until the first is written: the kill loses it.
  it('writes each line before the call that logs it returns: none is lost with the sandbox', async () => {
    const lines = parsed(await printedBeforeKilled());
    expect(lines.map((line) => line.msg)).toEqual(['one', 'two']);
  });

  let key: string;

  it("an HTTP API invocation: every line has both ids, and X-Request-Id is API Gateway's", async () => {
    const event = httpApiEvent({
      method: 'POST',
      path: '/add_image',
      query: { uniqueGridId: GRID },
      body: await solidImage([40, 200, 40], 600, 400),
      // A client's own id does not replace API Gateway's on AWS.
      headers: { 'x-request-id': 'chosen-by-the-client' },
    });
    const { result, awsRequestId, lines } = await sandbox.invokeLogged('addImage', event);
    const answer = result as ProxyResult;
    expect(answer.statusCode).toBe(200);
    key = jsonOf(answer).key;
    const apiRequestId = event.requestContext.requestId;
    expect(headerOf(answer, 'x-request-id')).toBe(apiRequestId);

    const logs = parsed(lines);
    expect(logs.find((line) => line.msg === 'request')).toMatchObject({
      reqId: apiRequestId,
      status: 200,
    });
    for (const line of logs) expect(line).toMatchObject({ awsRequestId, apiRequestId });
  });

  it('a REST API invocation answered 404: the same', async () => {
    const event = restApiEvent({
      method: 'GET',
      path: '/grids/logs/builds/0123456789abcdef01234567',
    });
    const { result, awsRequestId, lines } = await sandbox.invokeLogged('grids', event);
    const answer = result as ProxyResult;
    expect(answer.statusCode).toBe(404);
    const apiRequestId = event.requestContext.requestId;
    expect(headerOf(answer, 'x-request-id')).toBe(apiRequestId);
    const logs = parsed(lines);
    expect(logs.map((line) => line.msg)).toContain('request');
    for (const line of logs) expect(line).toMatchObject({ awsRequestId, apiRequestId });
  });

  it("an S3 event invocation: every line has Lambda's id", async () => {
    const event = s3Event(objectCreatedRecord(servers.sourceBucket, eventKey(key)));
    const { awsRequestId, lines } = await sandbox.invokeLogged('renditions', event);
    const logs = parsed(lines);
    expect(logs.find((line) => line.msg === 'renditions')).toMatchObject({ key, outcome: 'made' });
    for (const line of logs) expect(line).toMatchObject({ awsRequestId });
  });
});
