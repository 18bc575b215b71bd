import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningDynamoDb, type RunningS3, startDynamoDb, startS3 } from './aws-servers.js';
import { type RunningProxy, startProxy } from './http-proxy.js';
import { requestTally, tallySince } from './storage-request-tally.js';

// The bench's cost figures count what each invocation asks of S3 and DynamoDB by the
// kinds their bills price (S3 PUT/LIST vs GET/HEAD, DELETE free; DynamoDB request
// units). Real SDK calls through the proxies, on the protocol servers.

const BUCKET = 'tallied';
const TABLE = 'GridBuilder';
let s3: RunningS3;
let dynamoDb: RunningDynamoDb;
let proxies: RunningProxy[];
const tally = requestTally();

beforeAll(async () => {
  [s3, dynamoDb] = await Promise.all([startS3(), startDynamoDb()]);
  await Promise.all([s3.createBucket(BUCKET), dynamoDb.createGridTable(TABLE)]);
  proxies = await Promise.all([
    startProxy(s3.endpoint, tally.hooks('s3')),
    startProxy(dynamoDb.endpoint, tally.hooks('dynamoDb')),
  ]);
});

afterAll(async () => {
  await Promise.all((proxies ?? []).map((p) => p.stop()));
  await Promise.all([s3?.stop(), dynamoDb?.stop()]);
});

it('counts S3 requests by priced kind, and the bytes PUT', async () => {
  const client = s3.client(proxies[0]?.endpoint);
  const before = tally.counts();
  try {
    const body = Buffer.alloc(3000, 1);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/1.jpg', Body: body }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/2.jpg', Body: body }));
    await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a/1.jpg' }));
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/1.jpg' }));
    await expect(
      client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/missing.jpg' })),
    ).rejects.toThrow();
    await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'a/' }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a/1.jpg' }));
    await client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'a/2.jpg' }] } }),
    );
  } finally {
    client.destroy();
  }
  expect(tallySince(tally.counts(), before)).toEqual({
    'S3 PUT': { requests: 2, units: 0, bytes: 6000 },
    'S3 GET': { requests: 1, units: 0, bytes: 0 },
    'S3 HEAD': { requests: 2, units: 0, bytes: 0 },
    'S3 LIST': { requests: 1, units: 0, bytes: 0 },
    'S3 DELETE': { requests: 2, units: 0, bytes: 0 },
  });
});

it('counts DynamoDB requests by operation, with the request units DynamoDB reports', async () => {
  const client = dynamoDb.client(proxies[1]?.endpoint);
  const before = tally.counts();
  const key = (s3Key: string) => ({ uniqueGridId: { S: 'g' }, s3Key: { S: s3Key } });
  try {
    // An item of about 1.5 KB: 2 write units; read strongly consistent: 1 read unit (up
    // to 4 KB); eventually consistent: half that.
    const item = { ...key('g/1.jpg'), blob: { S: 'x'.repeat(1500) } };
    await client.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    await client.send(new PutItemCommand({ TableName: TABLE, Item: key('g/2.jpg') }));
    await client.send(
      new GetItemCommand({ TableName: TABLE, Key: key('g/1.jpg'), ConsistentRead: true }),
    );
    await client.send(new GetItemCommand({ TableName: TABLE, Key: key('g/1.jpg') }));
    const { Items } = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'uniqueGridId = :g',
        ExpressionAttributeValues: { ':g': { S: 'g' } },
        ConsistentRead: true,
      }),
    );
    // The SDK's answer is DynamoDB's, the capacity the proxy asked for aside.
    expect(Items).toHaveLength(2);
  } finally {
    client.destroy();
  }
  expect(tallySince(tally.counts(), before)).toEqual({
    'DynamoDB PutItem': { requests: 2, units: 3, bytes: 0 },
    'DynamoDB GetItem': { requests: 2, units: 1.5, bytes: 0 },
    'DynamoDB Query': { requests: 1, units: 1, bytes: 0 },
  });
});
