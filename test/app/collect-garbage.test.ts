import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { collectGarbage } from '../../src/app/collect-garbage.js';
import { loadConfig } from '../../src/config.js';
import { SqliteGridIndex } from '../../src/storage/local/sqlite-grid-index.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { idMadeAgo, leftoverFile, recordOf } from '../support/leftovers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('collectGarbage on local storage', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-gc-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('sweeps the configured data folder', async () => {
    const old = `g2/${idMadeAgo(2 * HOUR)}.png`;
    leftoverFile(dataDir, `source/${old}`, 0);
    const report = await collectGarbage(loadConfig({ DATA_DIR: dataDir, GC_GRACE_SECONDS: '60' }));
    expect(report.unrecordedImages).toEqual([old]);
  });

  test('takes the built grids’ retention from GRID_RETENTION_DAYS, as the server’s sweep does', async () => {
    const image = `g4/${idMadeAgo(40 * DAY)}.jpg`;
    const index = new SqliteGridIndex(join(dataDir, 'index.sqlite'));
    await index.add(recordOf(image));
    index.close();
    leftoverFile(dataDir, `source/${image}`, 40 * DAY);
    leftoverFile(dataDir, 'destination/g4/grid-week.jpg', 8 * DAY);
    leftoverFile(dataDir, 'destination/g4/grid-day.jpg', DAY);

    const report = await collectGarbage(
      loadConfig({ DATA_DIR: dataDir, GRID_RETENTION_DAYS: '7' }),
    );
    expect(report).toEqual({
      unrecordedImages: [],
      unrecordedRenditions: [],
      abandonedUploads: [],
      housekeeping: {
        orphanedGrids: [],
        expiredGrids: ['g4/grid-week.jpg'],
        tempFiles: 0,
        expiredBuilds: 0,
      },
    });
  });
});

describe('collectGarbage on S3 + DynamoDB', () => {
  let servers: AwsServers;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    servers = await startAwsServers();
    Object.assign(process.env, awsEnv(servers)); // the SDK finds the endpoints there
  });

  afterAll(async () => {
    await servers?.stop();
    process.env = savedEnv;
  });

  test('sweeps through the ports and reports no housekeeping: S3 lifecycle rules do that', async () => {
    const old = `g5/${idMadeAgo(2 * HOUR)}.jpg`;
    const young = `g5/${idMadeAgo(1000)}.jpg`;
    const s3 = servers.s3.client();
    try {
      for (const key of [old, young]) {
        await s3.send(
          new PutObjectCommand({ Bucket: servers.sourceBucket, Key: key, Body: Buffer.from('x') }),
        );
      }
      const report = await collectGarbage(
        loadConfig({ ...awsEnv(servers), GC_GRACE_SECONDS: '60' }),
      );
      expect(report).toEqual({
        unrecordedImages: [old],
        unrecordedRenditions: [],
        abandonedUploads: [],
      });
    } finally {
      s3.destroy();
    }
  });
});
