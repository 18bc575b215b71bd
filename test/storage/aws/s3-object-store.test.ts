import { GetObjectCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridBuilderError } from '../../../src/core/errors.js';
import { createS3Client } from '../../../src/storage/aws/aws-clients.js';
import { S3ObjectStore } from '../../../src/storage/aws/s3-object-store.js';
import {
  type AwsServers,
  awsClientOverrides,
  startAwsServers,
  TEST_CREDENTIALS,
} from '../../support/aws-servers.js';
import { decode } from '../../support/image-inspection.js';
import { near, solidImage } from '../../support/images.js';
import { s3WouldAccept } from '../../support/sigv4-presigned.js';

let servers: AwsServers;
let store: S3ObjectStore;
let s3: ReturnType<typeof createS3Client>;

beforeAll(async () => {
  servers = await startAwsServers();
  s3 = createS3Client({ ...awsClientOverrides(servers), forcePathStyle: true });
  store = new S3ObjectStore(s3, {
    source: servers.sourceBucket,
    destination: servers.destinationBucket,
  });
});

afterAll(async () => {
  s3?.destroy();
  await servers?.stop();
});

const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GridBuilderError);
  return error as GridBuilderError;
};

describe('S3ObjectStore on s3rver', () => {
  it('puts, gets and heads an object with its content type, in the mapped bucket', async () => {
    const jpeg = await solidImage([200, 30, 30]);
    await store.put('source', 'g1/one.jpg', jpeg, 'image/jpeg');

    expect(await store.get('source', 'g1/one.jpg')).toEqual(jpeg);
    expect(await store.head('source', 'g1/one.jpg')).toEqual({
      size: jpeg.length,
      contentType: 'image/jpeg',
    });
    // 'source' is SOURCE_BUCKET: the object is there, and not in the other bucket.
    const raw = await s3.send(
      new GetObjectCommand({ Bucket: servers.sourceBucket, Key: 'g1/one.jpg' }),
    );
    expect(raw.ContentType).toBe('image/jpeg');
    expect(await store.head('destination', 'g1/one.jpg')).toBeUndefined();
  });

  it('gives a source image as its bytes alone: S3 has no file to open', async () => {
    const jpeg = await solidImage([30, 200, 30]);
    await store.put('source', 'g1/two.jpg', jpeg, 'image/jpeg');
    expect(await store.getSource('g1/two.jpg')).toEqual({ bytes: jpeg });
    expect((await rejection(store.getSource('nothing/here.jpg'))).kind).toBe('not_found');
  });

  it('reports a missing object as not_found on get and undefined on head', async () => {
    expect(await store.head('source', 'nothing/here.jpg')).toBeUndefined();
    const error = await rejection(store.get('source', 'nothing/here.jpg'));
    expect(error.kind).toBe('not_found');
  });

  it('lists past one ListObjectsV2 page and deletes in chunks of 1000', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(5, '0')}.png`);
    const limit = pLimit(16);
    await Promise.all(
      keys.map((key) => limit(() => store.put('destination', key, Buffer.from(key), 'image/png'))),
    );
    await store.put('destination', 'other/keep.png', Buffer.from('x'), 'image/png');

    const listed = await store.list('destination', 'many/');
    expect(listed).toHaveLength(1005);
    expect([...listed].sort()).toEqual(keys);

    await store.delete('destination', [...listed, 'many/never-existed.png']);
    expect(await store.list('destination', 'many/')).toEqual([]);
    expect(await store.list('destination', 'other/')).toEqual(['other/keep.png']);
  });

  it('deleting nothing, or keys that do not exist, is not an error', async () => {
    await store.delete('source', []);
    await store.delete('source', ['no/such-key.jpg']);
  });

  it('signs a GET link that serves the image with its type over plain HTTP', async () => {
    const jpeg = await solidImage([20, 180, 60], 64, 48);
    await store.put('destination', 'g2/grid-abc.jpg', jpeg, 'image/jpeg');

    const url = await store.presignGet('destination', 'g2/grid-abc.jpg', 300);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=300');

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const image = await decode(Buffer.from(await response.arrayBuffer()));
    expect([image.width, image.height, image.format]).toEqual([64, 48, 'jpeg']);
    expect(near(image.pixel(32, 24), [20, 180, 60], 16)).toBe(true);
  });

  it('signs a PUT link any client can upload exactly the declared bytes to, with no checksum of an empty body baked in', async () => {
    const jpeg = await solidImage([10, 10, 200]);
    const url = await store.presignPut('source', '_uploads/g3/01UPLOAD', jpeg.length, 300);
    // A signed CRC32 of the empty body would make real S3 reject every upload.
    expect(url).not.toMatch(/x-amz-checksum-crc32|x-amz-sdk-checksum-algorithm/i);
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual([
      'content-length',
      'host',
    ]);

    const response = await fetch(url, {
      method: 'PUT',
      body: new Uint8Array(jpeg),
      // curl --data-binary sends this by default: it must not break the signature.
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
    expect(await store.head('source', '_uploads/g3/01UPLOAD')).toMatchObject({
      size: jpeg.length,
    });
    expect(await store.get('source', '_uploads/g3/01UPLOAD')).toEqual(jpeg);
  });

  it('signs the declared length: S3 would take that Content-Length and refuse any other', async () => {
    const url = await store.presignPut('source', '_uploads/g3/01SIZED', 123_456, 300);
    const put = (length: number) =>
      s3WouldAccept(
        'PUT',
        url,
        { 'content-length': String(length), 'content-type': 'image/jpeg' },
        TEST_CREDENTIALS.secretAccessKey,
      );
    expect(put(123_456)).toBe(true);
    expect(put(123_457)).toBe(false);
    expect(put(123_455)).toBe(false);
    expect(put(5 * 1024 ** 3)).toBe(false);
  });

  it('pings both buckets', async () => {
    await store.ping();
  });

  it('turns an unreachable or misconfigured store into storage_unavailable, not a crash', async () => {
    const missingBucket = new S3ObjectStore(s3, {
      source: 'no-such-bucket',
      destination: servers.destinationBucket,
    });
    const noBucket = await rejection(
      missingBucket.put('source', 'a/b.jpg', Buffer.from('x'), 'image/jpeg'),
    );
    expect(noBucket.kind).toBe('storage_unavailable');
    expect(noBucket.message).toMatch(/NoSuchBucket/);
    expect((await rejection(missingBucket.ping())).kind).toBe('storage_unavailable');

    const closedPort = createS3Client({
      ...awsClientOverrides(servers, { s3: 'http://127.0.0.1:9' }),
      forcePathStyle: true,
      maxAttempts: 1,
    });
    try {
      const down = new S3ObjectStore(closedPort, { source: 'a', destination: 'b' });
      const error = await rejection(down.get('source', 'a/b.jpg'));
      expect(error.kind).toBe('storage_unavailable');
      expect(error.message).toMatch(/^Storage is unavailable: S3 could not read an object/);
    } finally {
      closedPort.destroy();
    }
  });
});
