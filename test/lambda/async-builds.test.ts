import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headerOf,
  httpApiEvent,
  invokeApi,
  jsonOf,
  type LambdaHandler,
} from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { type RunningProxy, startProxy } from '../support/http-proxy.js';
import { decode } from '../support/image-inspection.js';
import { BLUE, GREEN, near, RED, type Rgb, solidImage } from '../support/images.js';
import { type RunningLambda, startLambdaInvokeServer } from '../support/lambda-invoke-server.js';

// Builds answered 202 on the AWS deployment, as its parts meet there: generate_grid
// (its handler, an API Gateway event) records the build and invokes the BuildWorker
// function through Lambda's Invoke API (a loopback stand-in running the imported
// buildWorker handler, with Lambda's two retries); the grid routes' handler reports
// the build's status. S3 and DynamoDB are the protocol servers, S3 behind a proxy that
// can hold or fail the worker's reads of source images.

type Handler = LambdaHandler;
interface Handlers {
  addImage: Handler;
  generateGrid: Handler;
  grids: Handler;
  buildWorker: Handler;
}

const WORKER = 'GridBuilder-BuildWorker';
let servers: AwsServers;
let s3: RunningProxy;
let lambda: RunningLambda;
let handlers: Handlers;
const savedEnv = { ...process.env };

/** GETs of this key wait for `release` when set. */
let hold: { key: string; reached: () => void; released: Promise<void> } | undefined;
/** Source images of this grid cannot be read (S3 answers 503) when set. */
let unreadableGrid: string | undefined;

const isSourceGet = (method: string, url: string, key: string) =>
  method === 'GET' && url.split('?')[0] === `/${servers.sourceBucket}/${key}`;

beforeAll(async () => {
  servers = await startAwsServers();
  s3 = await startProxy(servers.s3.endpoint, {
    async request(request) {
      if (hold && isSourceGet(request.method, request.url, hold.key)) {
        hold.reached();
        await hold.released;
      }
      return request;
    },
    response(response, request) {
      const readsGrid =
        unreadableGrid && request.url.startsWith(`/${servers.sourceBucket}/${unreadableGrid}/`);
      if (!(readsGrid && request.method === 'GET')) return response;
      return {
        status: 503,
        headers: { 'content-type': 'application/xml' },
        body: Buffer.from(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>',
        ),
      };
    },
  });
  lambda = await startLambdaInvokeServer({
    [WORKER]: (event, context) => handlers.buildWorker(event, context),
  });
  Object.assign(process.env, awsEnv(servers, { s3: s3.endpoint }), {
    LOG_LEVEL: 'silent',
    BUILD_FUNCTION_NAME: WORKER,
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
  });
  // Imported only now: like Lambda, the module sees the function's environment.
  handlers = (await import('../../src/lambda/handlers.js')) as unknown as Handlers;
});

afterAll(async () => {
  hold = undefined;
  await lambda?.stop();
  await s3?.stop();
  await servers?.stop();
  process.env = savedEnv;
});

const invoke = invokeApi;

async function upload(gridId: string, colour: Rgb): Promise<string> {
  const result = await invoke(
    handlers.addImage,
    httpApiEvent({
      method: 'POST',
      path: '/add_image',
      query: { uniqueGridId: gridId },
      body: await solidImage(colour, 120, 120),
    }),
  );
  expect(result.statusCode).toBe(200);
  return jsonOf(result).key;
}

const generate = (gridId: string, headers: Record<string, string> = {}) =>
  invoke(
    handlers.generateGrid,
    httpApiEvent({
      method: 'POST',
      path: '/generate_grid',
      query: { uniqueGridId: gridId, tileSize: '100', columns: '3' },
      headers,
    }),
  );

/** The build's status as a client reads it at its status_url. */
const status = (statusUrl: string) => {
  const path = new URL(statusUrl).pathname;
  return invoke(
    handlers.grids,
    httpApiEvent({ method: 'GET', path }, 'GET /grids/{gridId}/builds/{buildId}'),
  );
};

/** Polls the status until `until` holds; the test's own timeout bounds it. */
async function statusWhen(statusUrl: string, until: (body: Record<string, unknown>) => boolean) {
  for (;;) {
    const result = await status(statusUrl);
    expect(result.statusCode).toBe(200);
    const body = jsonOf(result);
    if (until(body)) return { result, body };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a build answered 202 on AWS', () => {
  it('runs in the BuildWorker function, reports its progress, and ends with a link to the grid', async () => {
    const gridId = 'async-lambda';
    const keys = [];
    for (const colour of [RED, GREEN, BLUE]) keys.push(await upload(gridId, colour));
    let reached!: () => void;
    let release!: () => void;
    const heldReached = new Promise<void>((resolve) => {
      reached = resolve;
    });
    hold = {
      key: keys[2] as string,
      reached,
      released: new Promise((resolve) => {
        release = resolve;
      }),
    };

    const accepted = await generate(gridId, { prefer: 'respond-async' });
    expect(accepted.statusCode).toBe(202);
    const started = jsonOf(accepted);
    expect(started).toMatchObject({
      message: 'building grid',
      uniqueGridId: gridId,
      status: 'running',
      tiles_total: 3,
    });
    expect(headerOf(accepted, 'location')).toBe(started.status_url);
    expect(headerOf(accepted, 'preference-applied')).toBe('respond-async');

    // The worker has placed the tiles it could read, and is held before the last one.
    await heldReached;
    const { result: running, body: progress } = await statusWhen(
      started.status_url,
      (body) => Number(body.tiles_done) > 0,
    );
    expect(progress).toMatchObject({ build_id: started.build_id, status: 'running' });
    expect(progress.tiles_done).toBeLessThan(3);
    expect(headerOf(running, 'retry-after')).toBe('1');

    // Asked again meanwhile: the same build, and no second invocation.
    const again = await generate(gridId, { prefer: 'respond-async' });
    expect(again.statusCode).toBe(202);
    expect(jsonOf(again).build_id).toBe(started.build_id);

    release();
    await lambda.whenIdle();
    expect(lambda.invocations).toEqual([
      {
        functionName: WORKER,
        payload: { gridId, buildId: started.build_id },
        attempts: 1,
      },
    ]);

    const done = await status(started.status_url);
    expect(done.statusCode).toBe(200);
    const finished = jsonOf(done);
    expect(finished).toMatchObject({
      status: 'done',
      tiles_done: 3,
      tiles_total: 3,
      message: 'built grid',
      width: 300,
      height: 100,
      image_count: 3,
    });
    const grid = await decode(
      Buffer.from(await (await fetch(finished.presigned_url)).arrayBuffer()),
    );
    expect([grid.width, grid.height]).toEqual([300, 100]);
    [RED, GREEN, BLUE].forEach((colour, i) => {
      expect(near(grid.pixel(50 + 100 * i, 50), colour, 16)).toBe(true);
    });

    // The synchronous answer is now that grid, stored.
    const cached = await generate(gridId);
    expect(cached.statusCode).toBe(200);
    expect(jsonOf(cached)).toMatchObject({ cached: true, key: finished.key, width: 300 });
  });

  it('is reported failed (build_failed) when the worker cannot read the images in any of its three runs', async () => {
    const gridId = 'async-lambda-unreadable';
    await upload(gridId, RED);
    unreadableGrid = gridId;
    const before = lambda.invocations.length;

    const accepted = await generate(gridId, { prefer: 'respond-async' });
    expect(accepted.statusCode).toBe(202);
    await lambda.whenIdle();
    const [invocation] = lambda.invocations.slice(before);
    // Two runs threw and Lambda ran the event again; the third recorded the failure.
    expect(invocation).toMatchObject({ functionName: WORKER, attempts: 3 });

    const failed = await status(jsonOf(accepted).status_url);
    expect(failed.statusCode).toBe(200);
    expect(jsonOf(failed)).toMatchObject({
      status: 'failed',
      error: { code: 'build_failed', message: expect.stringMatching(/3 attempts/) },
    });
  });
});
