import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGridBuilder } from '../../src/app/create-grid-builder.js';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import { createAwsStorage } from '../../src/storage/aws/create-aws-storage.js';
import {
  type AwsServers,
  awsClientOverrides,
  awsEnv,
  awsStorageConfig,
  startAwsServers,
} from '../support/aws-servers.js';
import { decode, distinctColours } from '../support/image-inspection.js';
import { near, solidImage } from '../support/images.js';

// The whole lab flow over HTTP against the real GridBuilder server with STORAGE=aws,
// on s3rver + dynalite. The server finds them the way it would find any S3- or
// DynamoDB-compatible store: through AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB,
// which the SDK reads itself.

let servers: AwsServers;
let server: RunningServer;
let s3: S3Client;
const savedEnv = { ...process.env };
const logger = createLogger('silent');

beforeAll(async () => {
  servers = await startAwsServers();
  Object.assign(process.env, awsEnv(servers));
  server = await startServer(awsStorageConfig(servers, { PORT: '0' }), logger);
  s3 = servers.s3.client();
});

afterAll(async () => {
  s3?.destroy();
  await server?.close();
  await servers?.stop();
  process.env = savedEnv;
});

const api = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
const post = (path: string, body?: Buffer) =>
  api(path, { method: 'POST', ...(body ? { body: new Uint8Array(body) } : {}) });

async function objectKeys(bucket: string, prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

async function exists(bucket: string, key: string): Promise<boolean> {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );
}

describe('the lab flow over HTTP on S3 + DynamoDB (STORAGE=aws)', () => {
  const colours = distinctColours(16);
  const imageIds: string[] = [];

  it('add_image stores 16 images in S3 with their type and records them in the table', async () => {
    for (const [i, colour] of colours.entries()) {
      const jpeg = await solidImage(colour, 320 + i, 240);
      const response = await post('/add_image?uniqueGridId=trip', jpeg);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({
        message: 'image saved',
        image_size: jpeg.length,
        width: 320 + i,
        height: 240,
        format: 'jpeg',
      });
      expect(body.key).toBe(`trip/${body.image_id}.jpg`);
      imageIds.push(body.image_id);
    }
    const stored = await objectKeys(servers.sourceBucket, 'trip/');
    expect(stored).toHaveLength(16);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: servers.sourceBucket, Key: `trip/${imageIds[0]}.jpg` }),
    );
    expect(head.ContentType).toBe('image/jpeg');
  });

  it('generate_grid builds the 4x4 grid, and its presigned S3 URL serves it', async () => {
    const response = await post('/generate_grid?uniqueGridId=trip');
    expect(response.status).toBe(200);
    const built = await response.json();
    expect(built).toMatchObject({
      message: 'built grid',
      width: 1200,
      height: 1200,
      columns: 4,
      rows: 4,
      image_count: 16,
      tile_size: 300,
      format: 'jpeg',
      cached: false,
    });
    // A real S3 presigned URL on the S3 endpoint, not a link through the API.
    expect(built.presigned_url).toContain(`${servers.s3.endpoint}/${servers.destinationBucket}/`);
    expect(built.presigned_url).toContain('X-Amz-Signature=');

    const image = await fetch(built.presigned_url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const grid = await decode(Buffer.from(await image.arrayBuffer()));
    expect([grid.width, grid.height, grid.format]).toEqual([1200, 1200, 'jpeg']);
    for (const [i, colour] of colours.entries()) {
      const centre = grid.pixel((i % 4) * 300 + 150, Math.floor(i / 4) * 300 + 150);
      expect(near(centre, colour, 16), `tile ${i}: ${centre} instead of ${colour}`).toBe(true);
    }

    const again = await (await post('/generate_grid?uniqueGridId=trip')).json();
    expect(again).toMatchObject({ key: built.key, cached: true });
    expect(await objectKeys(servers.destinationBucket, 'trip/')).toEqual([built.key]);
  });

  it('builds other formats with their content type', async () => {
    const built = await (
      await post('/generate_grid?uniqueGridId=trip&format=png&tileSize=50&columns=8')
    ).json();
    expect(built).toMatchObject({ width: 400, height: 100, format: 'png' });
    const image = await fetch(built.presigned_url);
    expect(image.headers.get('content-type')).toBe('image/png');
  });

  it('GET /grids/ID lists the images in upload order with working links', async () => {
    const response = await api('/grids/trip');
    expect(response.status).toBe(200);
    const listing = await response.json();
    expect(listing.image_count).toBe(16);
    expect(listing.images.map((i: { image_id: string }) => i.image_id)).toEqual(imageIds);
    const first = await fetch(listing.images[0].url);
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    expect((await decode(Buffer.from(await first.arrayBuffer()))).width).toBe(320);
    // S3 cannot resize on the way out: until renditions exist the preview is the original.
    const preview = await fetch(listing.images[0].preview_url);
    expect(preview.status).toBe(200);
    expect((await decode(Buffer.from(await preview.arrayBuffer()))).width).toBe(320);
  });

  it('two-step upload: PUT to a presigned S3 URL, then confirm', async () => {
    const created = await post('/grids/trip/uploads');
    expect(created.status).toBe(201);
    const upload = await created.json();
    expect(upload.upload_url).toContain(
      `${servers.s3.endpoint}/${servers.sourceBucket}/_uploads/trip/`,
    );

    const big = await solidImage([250, 250, 250], 2000, 1500);
    const put = await fetch(upload.upload_url, {
      method: 'PUT',
      body: new Uint8Array(big),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(put.status).toBe(200);

    const confirmed = await fetch(upload.confirm_url, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    const saved = await confirmed.json();
    expect(saved).toMatchObject({
      message: 'image saved',
      key: `trip/${saved.image_id}.jpg`,
      width: 2000,
      height: 1500,
      image_size: big.length,
    });
    expect(saved.image_id > upload.upload_id).toBe(true);
    expect(await exists(servers.sourceBucket, `_uploads/trip/${upload.upload_id}`)).toBe(false);
    expect(await exists(servers.sourceBucket, `trip/${saved.image_id}.jpg`)).toBe(true);
    expect((await (await api('/grids/trip')).json()).image_count).toBe(17);
  });

  it('a two-step upload that is not an image is refused and deleted', async () => {
    const upload = await (await post('/grids/trip/uploads')).json();
    await fetch(upload.upload_url, { method: 'PUT', body: 'this is not an image' });
    const confirmed = await fetch(upload.confirm_url, { method: 'POST' });
    expect(confirmed.status).toBe(415);
    expect((await confirmed.json()).message).toMatch(/not an image/);
    expect(await exists(servers.sourceBucket, `_uploads/trip/${upload.upload_id}`)).toBe(false);
    expect((await (await api('/grids/trip')).json()).image_count).toBe(17);

    const never = await (await post('/grids/trip/uploads')).json();
    expect((await fetch(never.confirm_url, { method: 'POST' })).status).toBe(404);
  });

  it('deletes one image (record and object), then the whole grid', async () => {
    const victim = imageIds[3];
    const deleted = await api(`/grids/trip/images/${victim}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await exists(servers.sourceBucket, `trip/${victim}.jpg`)).toBe(false);
    const listing = await (await api('/grids/trip')).json();
    expect(listing.image_count).toBe(16);
    expect(listing.images.map((i: { image_id: string }) => i.image_id)).not.toContain(victim);
    expect((await api(`/grids/trip/images/${victim}`, { method: 'DELETE' })).status).toBe(404);

    const gone = await api('/grids/trip', { method: 'DELETE' });
    expect(gone.status).toBe(200);
    expect(await gone.json()).toMatchObject({ deleted_images: 16 });
    expect(await objectKeys(servers.sourceBucket, 'trip/')).toEqual([]);
    expect(await objectKeys(servers.destinationBucket, 'trip/')).toEqual([]);
    expect((await (await api('/grids/trip')).json()).image_count).toBe(0);
    const empty = await post('/generate_grid?uniqueGridId=trip');
    expect(empty.status).toBe(404);
    expect((await empty.json()).message).toMatch(/no images/);
  });

  it('answers bad input with 4xx messages and stores nothing', async () => {
    const missing = await post('/add_image', await solidImage([1, 2, 3]));
    expect(missing.status).toBe(400);
    expect((await missing.json()).message).toMatch(/uniqueGridId/);
    expect((await post('/add_image?uniqueGridId=bad', Buffer.alloc(0))).status).toBe(400);
    expect((await post('/add_image?uniqueGridId=bad', Buffer.from('<html>'))).status).toBe(415);
    expect(await objectKeys(servers.sourceBucket, 'bad/')).toEqual([]);
  });

  it('reports healthy storage', async () => {
    const health = await api('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('when S3 or DynamoDB cannot be reached', () => {
  it('answers 503 with a message, never a 500 or a stack trace', async () => {
    const config = awsStorageConfig(servers);
    const down = createGridBuilder(
      config,
      logger,
      createAwsStorage(config, {
        ...awsClientOverrides(servers, {
          s3: 'http://127.0.0.1:9',
          dynamoDb: 'http://127.0.0.1:9',
        }),
        maxAttempts: 1,
      }),
    );
    try {
      const health = await down.app.request('/health');
      expect(health.status).toBe(503);
      expect((await health.json()).message).toMatch(/Storage cannot be reached/);

      const add = await down.app.request('/add_image?uniqueGridId=x', {
        method: 'POST',
        body: new Uint8Array(await solidImage([9, 9, 9])),
      });
      expect(add.status).toBe(503);
      const message = (await add.json()).message as string;
      expect(message).toMatch(/^Storage is unavailable: S3 could not store an object/);
      expect(message).not.toMatch(/\n\s+at /);

      const build = await down.app.request('/generate_grid?uniqueGridId=x', { method: 'POST' });
      expect(build.status).toBe(503);
      expect((await build.json()).message).toMatch(/DynamoDB/);
    } finally {
      down.close();
    }
  });
});
