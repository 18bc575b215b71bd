import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  httpApiEvent,
  jsonOf,
  type LambdaHandler,
  lambdaContext,
  type ProxyResult,
} from '../support/api-gateway-events.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { type RunningProxy, startProxy } from '../support/http-proxy.js';
import { decode } from '../support/image-inspection.js';
import { near, RED, solidImage } from '../support/images.js';
import { eventKey, objectCreatedRecord, s3Event } from '../support/s3-events.js';

// The renditions function invoked the way Lambda does for the source bucket's
// ObjectCreated notifications, with the configuration in the environment (as the CDK
// stack sets it), against s3rver + dynalite behind recording proxies: images are
// uploaded through the real add_image handler first.

type Handler = LambdaHandler;
interface Handlers {
  addImage: Handler;
  grids: Handler;
  renditions: Handler;
}
type Outcomes = { key: string; outcome: string }[];

const GRID = 'renditions';
let servers: AwsServers;
let s3: RunningProxy;
let dynamoDb: RunningProxy;
let handlers: Handlers;
/** Runs before DynamoDB sees an UpdateItem (setRenditions), when set. */
let beforeUpdateItem: (() => Promise<void>) | undefined;
const savedEnv = { ...process.env };

beforeAll(async () => {
  servers = await startAwsServers();
  s3 = await startProxy(servers.s3.endpoint);
  dynamoDb = await startProxy(servers.dynamoDb.endpoint, {
    async request(request) {
      if (String(request.headers['x-amz-target']).endsWith('.UpdateItem'))
        await beforeUpdateItem?.();
      return request;
    },
  });
  Object.assign(process.env, awsEnv(servers, { s3: s3.endpoint, dynamoDb: dynamoDb.endpoint }), {
    LOG_LEVEL: 'silent',
    RENDITION_SIZES: '256,640',
  });
  // Imported only now: like Lambda, the module sees the function's environment.
  handlers = (await import('../../src/lambda/handlers.js')) as unknown as Handlers;
});

afterAll(async () => {
  await Promise.all([s3?.stop(), dynamoDb?.stop()]);
  await servers?.stop();
  process.env = savedEnv;
});

const context = () => lambdaContext('GridBuilder-Renditions') as never;

async function upload(width: number, height: number): Promise<{ key: string; imageId: string }> {
  const body = await solidImage(RED, width, height);
  const result = (await handlers.addImage(
    httpApiEvent({
      method: 'POST',
      path: '/add_image',
      query: { uniqueGridId: GRID },
      body,
    }) as never,
    context(),
  )) as ProxyResult;
  expect(result.statusCode).toBe(200);
  const { key, image_id: imageId } = jsonOf(result);
  return { key, imageId };
}

const deliver = async (handler: Handler, ...keys: string[]) =>
  (await handler(
    s3Event(...keys.map((key) => objectCreatedRecord(servers.sourceBucket, key))) as never,
    context(),
  )) as Outcomes;

async function renditionObjects(imageId: string): Promise<string[]> {
  const client = servers.s3.client();
  try {
    const { Contents } = await client.send(
      new ListObjectsV2Command({
        Bucket: servers.sourceBucket,
        Prefix: `_renditions/${GRID}/${imageId}/`,
      }),
    );
    return (Contents ?? []).map((o) => o.Key as string).sort();
  } finally {
    client.destroy();
  }
}

async function recordedRenditions(key: string): Promise<number[] | undefined> {
  const client = servers.dynamoDb.client();
  try {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: servers.tableName,
        Key: { uniqueGridId: { S: GRID }, s3Key: { S: key } },
        ConsistentRead: true,
      }),
    );
    return Item?.renditions?.L?.map((n) => Number(n.N));
  } finally {
    client.destroy();
  }
}

/** The requests each proxy sees while `run` runs. */
async function requestsDuring(run: () => Promise<unknown>) {
  const [s3Before, dynamoDbBefore] = [s3.requests.length, dynamoDb.requests.length];
  await run();
  return {
    s3: s3.requests.slice(s3Before).map((r) => `${r.method} ${decodeURIComponent(r.url)}`),
    dynamoDb: dynamoDb.requests
      .slice(dynamoDbBefore)
      .map((r) => String(r.headers['x-amz-target']).split('.')[1]),
  };
}

describe('the renditions function (S3 ObjectCreated events) on S3 + DynamoDB protocols', () => {
  let photo: { key: string; imageId: string };

  it('makes the renditions of an uploaded image, stores them and records their sizes', async () => {
    photo = await upload(1000, 700);
    expect(await deliver(handlers.renditions, eventKey(photo.key))).toEqual([
      { key: photo.key, outcome: 'made' },
    ]);
    const base = `_renditions/${GRID}/${photo.imageId}/`;
    expect(await renditionObjects(photo.imageId)).toEqual([`${base}256.jpg`, `${base}640.jpg`]);
    expect(await recordedRenditions(photo.key)).toEqual([256, 640]);

    const client = servers.s3.client();
    try {
      const object = await client.send(
        new GetObjectCommand({ Bucket: servers.sourceBucket, Key: `${base}256.jpg` }),
      );
      expect(object.ContentType).toBe('image/jpeg');
      const rendition = await decode(
        Buffer.from((await object.Body?.transformToByteArray()) ?? []),
      );
      expect([rendition.width, rendition.height]).toEqual([366, 256]);
      expect(near(rendition.pixel(100, 100), RED, 16)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('answers a second delivery of the same event with "present", storing nothing', async () => {
    const seen = await requestsDuring(async () => {
      expect(await deliver(handlers.renditions, eventKey(photo.key))).toEqual([
        { key: photo.key, outcome: 'present' },
      ]);
    });
    expect(seen.s3).toEqual([]);
    expect(seen.dynamoDb).not.toContain('UpdateItem');
  });

  it('decodes URL-encoded keys ("+" is a space) before anything else', async () => {
    const other = await upload(300, 300);
    expect(await deliver(handlers.renditions, eventKey(other.key, { everything: true }))).toEqual([
      { key: other.key, outcome: 'made' },
    ]);
    expect(await renditionObjects(other.imageId)).toEqual([
      `_renditions/${GRID}/${other.imageId}/256.jpg`,
    ]);
    expect(
      await deliver(handlers.renditions, eventKey(`${GRID}/My photo.jpg`), 'bad%ZZkey'),
    ).toEqual([
      { key: `${GRID}/My photo.jpg`, outcome: 'ignored' },
      { key: 'bad%ZZkey', outcome: 'ignored' },
    ]);
  });

  it('ignores renditions, staged uploads and any key that is not an image, reading nothing', async () => {
    const keys = [
      `_renditions/${GRID}/${photo.imageId}/256.jpg`,
      `_uploads/${GRID}/01JDKZ0V7Q8ZK3M7T6C1W5Y2XA`,
      `${GRID}/notes.txt`,
      `${GRID}/${photo.imageId}`,
      `${GRID}/nested/${photo.imageId}.jpg`,
      `_${GRID}/${photo.imageId}.jpg`,
      `${photo.imageId}.jpg`,
    ];
    const seen = await requestsDuring(async () => {
      expect(await deliver(handlers.renditions, ...keys.map((k) => eventKey(k)))).toEqual(
        keys.map((key) => ({ key, outcome: 'ignored' })),
      );
    });
    expect(seen).toEqual({ s3: [], dynamoDb: [] });
  });

  it('leaves no rendition of an image deleted before its event arrives', async () => {
    const gone = await upload(800, 800);
    const deleted = (await handlers.grids(
      httpApiEvent({ method: 'DELETE', path: `/grids/${GRID}/images/${gone.imageId}` }) as never,
      context(),
    )) as ProxyResult;
    expect(deleted.statusCode).toBe(200);

    const seen = await requestsDuring(async () => {
      expect(await deliver(handlers.renditions, eventKey(gone.key))).toEqual([
        { key: gone.key, outcome: 'image_gone' },
      ]);
    });
    expect(seen.s3).toEqual([]);
    expect(await renditionObjects(gone.imageId)).toEqual([]);
  });

  it('takes back the renditions of an image deleted while they were being made', async () => {
    const gone = await upload(800, 800);
    beforeUpdateItem = async () => {
      const client = servers.dynamoDb.client();
      try {
        await client.send(
          new DeleteItemCommand({
            TableName: servers.tableName,
            Key: { uniqueGridId: { S: GRID }, s3Key: { S: gone.key } },
          }),
        );
      } finally {
        client.destroy();
      }
    };
    try {
      const seen = await requestsDuring(async () => {
        expect(await deliver(handlers.renditions, eventKey(gone.key))).toEqual([
          { key: gone.key, outcome: 'image_gone' },
        ]);
      });
      // They were stored before the record was found gone (s3rver sometimes answers a
      // DeleteObjects with a 500 the SDK retries, so requests are not counted).
      expect(seen.s3.filter((r) => r.startsWith('PUT')).sort()).toEqual([
        expect.stringContaining(`/_renditions/${GRID}/${gone.imageId}/256.jpg`),
        expect.stringContaining(`/_renditions/${GRID}/${gone.imageId}/640.jpg`),
      ]);
    } finally {
      beforeUpdateItem = undefined;
    }
    expect(await renditionObjects(gone.imageId)).toEqual([]);
    expect(await recordedRenditions(gone.key)).toBeUndefined();
  });

  it('fails the invocation when S3 cannot be reached, so that Lambda retries it', async () => {
    const waiting = await upload(900, 900);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${port}`;
    vi.resetModules();
    // A new cold start: the module builds its clients from this environment.
    const cold = (await import('../../src/lambda/handlers.js')) as unknown as Handlers;
    await expect(deliver(cold.renditions, eventKey(waiting.key))).rejects.toThrow(
      /S3 could not read an object/,
    );
    expect(await recordedRenditions(waiting.key)).toBeUndefined();

    // Lambda's retry, once S3 answers again, makes them.
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    vi.resetModules();
    const retried = (await import('../../src/lambda/handlers.js')) as unknown as Handlers;
    expect(await deliver(retried.renditions, eventKey(waiting.key))).toEqual([
      { key: waiting.key, outcome: 'made' },
    ]);
  });
});
