import { utimesSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import {
  type AwsServers,
  awsEnv,
  awsStorageConfig,
  startAwsServers,
} from '../support/aws-servers.js';
import { RED, solidImage } from '../support/images.js';
import { idMadeAgo } from '../support/leftovers.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';

let server: TestServer;
afterAll(async () => {
  await server.close();
  removeDataDir(server);
});

describe('a running server sweeps every GC_INTERVAL_SECONDS', () => {
  it('expires a built grid past GRID_RETENTION_DAYS without a restart, and rebuilds it on demand', async () => {
    server = await startTestServer({ GC_INTERVAL_SECONDS: '1', GRID_RETENTION_DAYS: '1' });
    await server.addImage('aging', await solidImage(RED));
    const built = await (await server.generateGrid('aging', { tileSize: 20 })).json();
    const folder = join(server.dataDir, 'objects', 'destination', 'aging');
    expect(await readdir(folder)).toHaveLength(1);

    // Built two days ago, as far as the sweep can tell.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(folder, (await readdir(folder))[0] as string), twoDaysAgo, twoDaysAgo);
    await expect.poll(() => readdir(folder), { timeout: 5_000, interval: 100 }).toEqual([]);

    const again = await (await server.generateGrid('aging', { tileSize: 20 })).json();
    expect(again).toMatchObject({ message: 'built grid', cached: false, key: built.key });
    expect(await readdir(folder)).toHaveLength(1);
  });
});

describe('a server on S3 + DynamoDB (STORAGE=aws) sweeps too', () => {
  let servers: AwsServers;
  let awsServer: RunningServer | undefined;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    servers = await startAwsServers();
  });
  afterAll(async () => {
    await awsServer?.close();
    await servers?.stop();
    process.env = savedEnv;
  });

  it('removes old unrecorded objects at start-up and while it runs, never a recorded or young one', async () => {
    Object.assign(process.env, awsEnv(servers)); // the SDK finds the endpoints there
    const s3 = servers.s3.client();
    const bucket = servers.sourceBucket;
    const put = (key: string) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('x') }));
    const keys = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [])
        .map((object) => object.Key)
        .sort();
    try {
      // What a crash left before this start: swept before the server listens.
      const leftover = `g/${idMadeAgo(7200_000)}.jpg`;
      const abandoned = `_uploads/g/${idMadeAgo(7200_000)}`;
      const young = `g/${idMadeAgo(1000)}.jpg`; // an upload in flight: spared
      for (const key of [leftover, abandoned, young]) await put(key);

      awsServer = await startServer(
        awsStorageConfig(servers, {
          PORT: '0',
          GC_GRACE_SECONDS: '3600',
          GC_INTERVAL_SECONDS: '1',
        }),
        createLogger('silent'),
      );
      expect(await keys()).toEqual([young]);

      // An image added through the API is recorded: later sweeps keep it.
      const added = await fetch(`${awsServer.url}/add_image?uniqueGridId=g`, {
        method: 'POST',
        body: new Uint8Array(await solidImage(RED)),
      });
      const { key: recorded } = await added.json();
      // A leftover of a failed roll-back while the server runs: gone by a periodic sweep.
      const later = `g/${idMadeAgo(7200_000)}.png`;
      await put(later);
      await expect.poll(keys, { timeout: 5_000, interval: 100 }).toEqual([recorded, young].sort());
    } finally {
      s3.destroy();
    }
  });

  it('starts all the same when the start-up sweep fails, as a server without its storage would', async () => {
    const unreachable = { s3: 'http://127.0.0.1:9', dynamoDb: 'http://127.0.0.1:9' };
    Object.assign(process.env, awsEnv(servers, unreachable));
    const stranded = await startServer(
      awsStorageConfig(servers, { PORT: '0' }, unreachable),
      createLogger('silent'),
    );
    try {
      expect((await fetch(`${stranded.url}/health`)).status).toBe(503);
    } finally {
      await stranded.close();
    }
  });
});
