import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import {
  type AwsServers,
  awsEnv,
  awsStorageConfig,
  startAwsServers,
} from '../support/aws-servers.js';
import { expectErrorBody } from '../support/error-codes.js';
import { dynamoDbAction, requestHolder } from '../support/held-requests.js';
import { type RunningProxy, startProxy } from '../support/http-proxy.js';
import { RED, solidImage } from '../support/images.js';

// The Node server on S3 + DynamoDB (STORAGE=aws) bounds each storage call by
// STORAGE_CALL_TIMEOUT_MS, as Lambda bounds them by the invocation's remaining time
// (test/lambda/runtime-budget.test.ts): a hung S3 or DynamoDB call answers the designed
// 503, not never. Proxies in front of s3rver and dynalite hold one chosen request until
// the test lets it go.

const GRID = 'call-timeout';
/** At most MIN_ATTEMPT_MS (deadline-http-handler.ts): the first attempt gets all of it. */
const LIMIT_MS = 1_000;
/** Far beyond the limit: a request still unanswered then was not bounded. */
const NO_ANSWER_MS = 10_000;

let servers: AwsServers;
let s3: RunningProxy;
let dynamoDb: RunningProxy;
let server: RunningServer;
const { hooks, whileHolding } = requestHolder();
const savedEnv = { ...process.env };

beforeAll(async () => {
  servers = await startAwsServers();
  s3 = await startProxy(servers.s3.endpoint, hooks);
  dynamoDb = await startProxy(servers.dynamoDb.endpoint, hooks);
  const endpoints = { s3: s3.endpoint, dynamoDb: dynamoDb.endpoint };
  Object.assign(process.env, awsEnv(servers, endpoints)); // the SDK finds the endpoints there
  server = await startServer(
    awsStorageConfig(
      servers,
      { PORT: '0', GC_INTERVAL_SECONDS: '0', STORAGE_CALL_TIMEOUT_MS: String(LIMIT_MS) },
      endpoints,
    ),
    createLogger('silent'),
  );
});

afterAll(async () => {
  await server?.close();
  await Promise.all([s3?.stop(), dynamoDb?.stop()]);
  await servers?.stop();
  process.env = savedEnv;
});

const addImage = async () =>
  fetch(`${server.url}/add_image?uniqueGridId=${GRID}`, {
    method: 'POST',
    body: new Uint8Array(await solidImage(RED)),
    signal: AbortSignal.timeout(NO_ANSWER_MS),
  });

const listGrid = () =>
  fetch(`${server.url}/grids/${GRID}`, { signal: AbortSignal.timeout(NO_ANSWER_MS) });

describe('a storage call on the server with STORAGE=aws', () => {
  it('answers 503 with Retry-After when S3 holds an upload past STORAGE_CALL_TIMEOUT_MS, and the server answers the next request', async () => {
    const response = await whileHolding((request) => request.method === 'PUT', addImage);
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(expectErrorBody(await response.json(), 'storage_unavailable').message).toMatch(
      /^Storage is unavailable: S3 could not store an object: no answer in time/,
    );

    const next = await addImage();
    expect(next.status).toBe(200);
  });

  it('answers 503 with Retry-After when DynamoDB holds a listing past STORAGE_CALL_TIMEOUT_MS', async () => {
    const response = await whileHolding((request) => dynamoDbAction(request) === 'Query', listGrid);
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(expectErrorBody(await response.json(), 'storage_unavailable').message).toMatch(
      /DynamoDB could not list the grid's images: no answer in time/,
    );

    const next = await listGrid();
    expect(next.status).toBe(200);
  });

  it('retries an attempt that hung, within the limit: the upload is stored', async () => {
    // Half the limit for an attempt (ATTEMPT_SHARE): the retry has the other half.
    const patient = await startServer(
      awsStorageConfig(servers, {
        PORT: '0',
        GC_INTERVAL_SECONDS: '0',
        STORAGE_CALL_TIMEOUT_MS: '4000',
      }),
      createLogger('silent'),
    );
    try {
      const response = await whileHolding(
        (request) => request.method === 'PUT',
        async () =>
          fetch(`${patient.url}/add_image?uniqueGridId=${GRID}`, {
            method: 'POST',
            body: new Uint8Array(await solidImage(RED)),
            signal: AbortSignal.timeout(NO_ANSWER_MS),
          }),
      );
      expect(response.status).toBe(200);
      const puts = s3.requests.filter((request) => request.method === 'PUT');
      expect(puts.at(-1)?.headers['amz-sdk-request']).toMatch(/^attempt=2;/);
    } finally {
      await patient.close();
    }
  });
});
