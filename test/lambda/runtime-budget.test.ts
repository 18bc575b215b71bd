import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headerOf,
  httpApiEvent,
  invokeApi,
  jsonOf,
  type LambdaHandler,
  lambdaContext,
} from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { expectErrorBody } from '../support/error-codes.js';
import { dynamoDbAction, requestHolder } from '../support/held-requests.js';
import { type RunningProxy, startProxy } from '../support/http-proxy.js';
import { solidImage } from '../support/images.js';
import { eventKey, objectCreatedRecord, s3Event } from '../support/s3-events.js';

// A storage call that hangs must end within the invocation's remaining time, as the
// designed 503 (or, in the event-driven functions, an error Lambda retries), not as
// Lambda's own timeout. Proxies in front of s3rver and dynalite hold one chosen
// request until the test lets it go; the handlers get a context with a few seconds
// left, so without the bound they would wait for the held request for good.

interface Handlers {
  addImage: LambdaHandler;
  grids: LambdaHandler;
  renditions: LambdaHandler;
}

const GRID = 'budget';
const FEW_SECONDS = 4_000;
let servers: AwsServers;
let s3: RunningProxy;
let dynamoDb: RunningProxy;
let handlers: Handlers;
const { hooks: holding, whileHolding } = requestHolder();
const savedEnv = { ...process.env };

beforeAll(async () => {
  servers = await startAwsServers();
  s3 = await startProxy(servers.s3.endpoint, holding);
  dynamoDb = await startProxy(servers.dynamoDb.endpoint, holding);
  Object.assign(process.env, awsEnv(servers, { s3: s3.endpoint, dynamoDb: dynamoDb.endpoint }), {
    LOG_LEVEL: 'silent',
    RENDITION_SIZES: '256',
  });
  // Imported only now: like Lambda, the module sees the function's environment.
  handlers = (await import('../../src/lambda/handlers.js')) as unknown as Handlers;
});

afterAll(async () => {
  await Promise.all([s3?.stop(), dynamoDb?.stop()]);
  await servers?.stop();
  process.env = savedEnv;
});

/** Large enough for a rendition of 256. */
const addImage = async (remainingMs?: number) =>
  invokeApi(
    handlers.addImage,
    httpApiEvent({
      method: 'POST',
      path: '/add_image',
      query: { uniqueGridId: GRID },
      body: await solidImage([200, 40, 40], 600, 400),
    }),
    'GridBuilder-AddImage',
    remainingMs,
  );

describe('the invocation time budget on Lambda', () => {
  it('answers 503 with Retry-After when S3 holds an upload past the remaining time', async () => {
    const result = await whileHolding(
      (request) => request.method === 'PUT',
      () => addImage(FEW_SECONDS),
    );
    expect(result.statusCode).toBe(503);
    expect(Number(headerOf(result, 'retry-after'))).toBeGreaterThan(0);
    expect(expectErrorBody(jsonOf(result), 'storage_unavailable').message).toMatch(
      /^Storage is unavailable: S3 could not store an object: no answer in time/,
    );
  });

  it('answers 503 with Retry-After when DynamoDB holds a listing past the remaining time', async () => {
    const result = await whileHolding(
      (request) => dynamoDbAction(request) === 'Query',
      () =>
        invokeApi(
          handlers.grids,
          httpApiEvent({ method: 'GET', path: `/grids/${GRID}` }, 'GET /grids/{gridId}'),
          'GridBuilder-Grids',
          FEW_SECONDS,
        ),
    );
    expect(result.statusCode).toBe(503);
    expect(Number(headerOf(result, 'retry-after'))).toBeGreaterThan(0);
    expect(expectErrorBody(jsonOf(result), 'storage_unavailable').message).toMatch(
      /DynamoDB could not list the grid's images: no answer in time/,
    );
  });

  it("fails the renditions invocation (for Lambda to retry) when S3 holds the image's read", async () => {
    const added = await addImage();
    expect(added.statusCode).toBe(200);
    const { key } = jsonOf(added);
    const event = s3Event(objectCreatedRecord(servers.sourceBucket, eventKey(key)));
    const run = whileHolding(
      (request) => request.method === 'GET' && request.url.includes(key),
      () =>
        handlers.renditions(
          event as never,
          lambdaContext('GridBuilder-Renditions', FEW_SECONDS) as never,
        ),
    );
    await expect(run).rejects.toThrow(/S3 could not read an object: no answer in time/);
  });

  it('cuts a hung attempt at its share of the time left, so a retry still stores the upload', async () => {
    const result = await whileHolding(
      (request) => request.method === 'PUT',
      () => addImage(6_000),
    );
    expect(result.statusCode).toBe(200);
    const puts = s3.requests.filter((request) => request.method === 'PUT');
    expect(puts.at(-1)?.headers['amz-sdk-request']).toMatch(/^attempt=2;/);
  });

  it('leaves an invocation with time to spare as it was: the upload is stored', async () => {
    const result = await addImage(FEW_SECONDS);
    expect(result.statusCode).toBe(200);
  });
});
