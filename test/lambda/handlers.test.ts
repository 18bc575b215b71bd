import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headerOf,
  httpApiEvent,
  invokeApi,
  jsonOf,
  type LambdaHandler,
  restApiEvent,
} from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { expectErrorBody } from '../support/error-codes.js';
import { decode } from '../support/image-inspection.js';
import { near, solidImage } from '../support/images.js';

// The Lambda handlers invoked the way Lambda does: an API Gateway event and a
// context, with the configuration in the environment (as the CDK stack sets it),
// against s3rver + dynalite.

type Handler = LambdaHandler;
let handlers: { addImage: Handler; generateGrid: Handler; grids: Handler };
let servers: AwsServers;
const savedEnv = { ...process.env };

beforeAll(async () => {
  servers = await startAwsServers();
  Object.assign(process.env, awsEnv(servers), { LOG_LEVEL: 'silent', URL_EXPIRES_SECONDS: '900' });
  // Imported only now: like Lambda, the module sees the function's environment.
  handlers = (await import('../../src/lambda/handlers.js')) as unknown as typeof handlers;
});

afterAll(async () => {
  await servers?.stop();
  process.env = savedEnv;
});

const invoke = invokeApi;

describe('Lambda handlers (hono/aws-lambda) on S3 + DynamoDB protocols', () => {
  const red = solidImage([220, 20, 20], 200, 200);
  const blue = solidImage([20, 20, 220], 300, 200);

  it('add_image takes an HTTP API 2.0 event with a base64 JPEG body', async () => {
    const body = await red;
    const result = await invoke(
      handlers.addImage,
      httpApiEvent({ method: 'POST', path: '/add_image', query: { uniqueGridId: 'lambda' }, body }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    expect(headerOf(result, 'access-control-allow-origin')).toBe('*');
    expect(jsonOf(result)).toMatchObject({
      message: 'image saved',
      image_size: body.length,
      width: 200,
      height: 200,
      format: 'jpeg',
    });
  });

  it('add_image takes a REST API 1.0 event with a base64 JPEG body', async () => {
    const body = await blue;
    const result = await invoke(
      handlers.addImage,
      restApiEvent({ method: 'POST', path: '/add_image', query: { uniqueGridId: 'lambda' }, body }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.multiValueHeaders?.['content-type']?.[0]).toMatch(/^application\/json/);
    expect(headerOf(result, 'access-control-allow-origin')).toBe('*');
    expect(jsonOf(result)).toMatchObject({ message: 'image saved', width: 300, height: 200 });
  });

  it('answers a missing query string with 400, a message and its code, in both payload formats', async () => {
    const body = await red;
    for (const event of [
      httpApiEvent({ method: 'POST', path: '/add_image', body }),
      restApiEvent({ method: 'POST', path: '/add_image', body }),
      httpApiEvent({ method: 'POST', path: '/generate_grid' }),
      restApiEvent({ method: 'POST', path: '/generate_grid' }),
    ]) {
      const result = await invoke(handlers.addImage, event);
      expect(result.statusCode).toBe(400);
      expect(expectErrorBody(jsonOf(result), 'invalid_grid_id', 'uniqueGridId').message).toMatch(
        /uniqueGridId is missing/,
      );
    }
  });

  it('answers a body that is not an image with 415, not a 5xx', async () => {
    const result = await invoke(
      handlers.addImage,
      httpApiEvent({
        method: 'POST',
        path: '/add_image',
        query: { uniqueGridId: 'lambda' },
        body: Buffer.from('%PDF-1.7 not an image'),
      }),
    );
    expect(result.statusCode).toBe(415);
    expect(expectErrorBody(jsonOf(result), 'not_an_image').message).toMatch(/not an image/);
  });

  it('generate_grid answers with a presigned URL that serves the built grid', async () => {
    const result = await invoke(
      handlers.generateGrid,
      httpApiEvent({ method: 'POST', path: '/generate_grid', query: { uniqueGridId: 'lambda' } }),
      'GridBuilder-GenerateGrid',
    );
    expect(result.statusCode).toBe(200);
    const built = jsonOf(result);
    expect(built).toMatchObject({
      message: 'built grid',
      columns: 1,
      rows: 2,
      width: 300,
      height: 600,
      image_count: 2,
    });
    // URL_EXPIRES_SECONDS from the function's environment.
    const lifetime = (Date.parse(built.expires_at) - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(800);

    const grid = await decode(Buffer.from(await (await fetch(built.presigned_url)).arrayBuffer()));
    expect([grid.width, grid.height]).toEqual([300, 600]);
    expect(near(grid.pixel(150, 150), [220, 20, 20], 16)).toBe(true);
    expect(near(grid.pixel(150, 450), [20, 20, 220], 16)).toBe(true);
  });

  it('builds the composition root once per cold start: a warm invocation keeps its configuration', async () => {
    process.env.URL_EXPIRES_SECONDS = '60';
    const result = await invoke(
      handlers.generateGrid,
      restApiEvent({ method: 'POST', path: '/generate_grid', query: { uniqueGridId: 'lambda' } }),
    );
    const built = jsonOf(result);
    expect(built.cached).toBe(true);
    expect((Date.parse(built.expires_at) - Date.now()) / 1000).toBeGreaterThan(800);
  });

  it('serves the grid resource routes and /health', async () => {
    const listing = await invoke(
      handlers.grids,
      httpApiEvent({ method: 'GET', path: '/grids/lambda' }, 'GET /grids/{gridId}'),
    );
    expect(listing.statusCode).toBe(200);
    const { images } = jsonOf(listing);
    expect(images).toHaveLength(2);

    const deleted = await invoke(
      handlers.grids,
      restApiEvent(
        { method: 'DELETE', path: `/grids/lambda/images/${images[0].image_id}` },
        '/grids/{gridId}/images/{imageId}',
      ),
    );
    expect(deleted.statusCode).toBe(200);
    expect(jsonOf(deleted)).toMatchObject({ message: 'image deleted' });

    const health = await invoke(handlers.grids, httpApiEvent({ method: 'GET', path: '/health' }));
    expect(health.statusCode).toBe(200);
    expect(jsonOf(health)).toEqual({ status: 'ok' });

    const upload = await invoke(
      handlers.grids,
      httpApiEvent({ method: 'POST', path: '/grids/lambda/uploads', query: { size: '5000000' } }),
    );
    expect(upload.statusCode).toBe(201);
    // The confirm link points back at the API's own domain, from the event's Host.
    expect(jsonOf(upload).confirm_url).toMatch(
      /^https?:\/\/a1b2c3d4e5\.execute-api\.eu-west-1\.amazonaws\.com\/grids\/lambda\/uploads\/\w+\/confirm$/,
    );
  });
});
