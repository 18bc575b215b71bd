import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FileObjectStore } from '../../../src/storage/local/file-object-store.js';
import { localHousekeeping } from '../../../src/storage/local/housekeeping.js';
import { SqliteGridIndex } from '../../../src/storage/local/sqlite-grid-index.js';
import { UrlSigner } from '../../../src/storage/local/url-signer.js';
import { buildRecord } from '../../support/build-records.js';
import { leftoverFile, recordOf } from '../../support/leftovers.js';

let dataDir: string;
let store: FileObjectStore;
let index: SqliteGridIndex;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-housekeeping-'));
  store = new FileObjectStore(join(dataDir, 'objects'), new UrlSigner(Buffer.alloc(32, 1)));
  index = new SqliteGridIndex(join(dataDir, 'index.sqlite'));
});

afterEach(() => {
  index.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const leftover = (path: string, ageMs: number) => leftoverFile(dataDir, path, ageMs);

test('removes built grids of emptied grids and half-written temp files older than the grace period', async () => {
  await index.add(recordOf('g1/01ARZ3NDEKTSV4RRFFQ69G5FA1.jpg'));
  leftover('source/g1/01ARZ3NDEKTSV4RRFFQ69G5FA1.jpg', 2 * HOUR);
  leftover('source/g1/01ARZ3NDEKTSV4RRFFQ69G5FA2.jpg', 2 * HOUR); // the core sweep's, not this
  leftover('destination/g1/grid-abc.jpg', 2 * HOUR); // g1 has images: kept
  leftover('destination/gone/grid-abc.jpg', 2 * HOUR); // grid emptied: swept
  leftover('destination/gone/grid-new.jpg', 1000); // grid emptied, but young: kept
  leftover('.tmp/3f1c', 2 * HOUR); // half-written: swept
  leftover('.tmp/3f1d', 1000); // being written: kept

  expect(await localHousekeeping(store, index, { graceMs: HOUR })).toEqual({
    orphanedGrids: ['gone/grid-abc.jpg'],
    expiredGrids: [],
    tempFiles: 1,
    expiredBuilds: 0,
  });
  expect(await store.list('destination', '')).toEqual(['g1/grid-abc.jpg', 'gone/grid-new.jpg']);
  expect(await store.list('source', 'g1/')).toHaveLength(2);
});

test('built grids past their retention are removed, as S3 expires them on AWS; 0 keeps them', async () => {
  await index.add(recordOf('g4/01ARZ3NDEKTSV4RRFFQ69G5FA7.jpg'));
  leftover('source/g4/01ARZ3NDEKTSV4RRFFQ69G5FA7.jpg', 40 * DAY); // the image: kept
  leftover('destination/g4/grid-old.jpg', 31 * DAY); // past 30 days: swept
  leftover('destination/g4/grid-new.jpg', 29 * DAY); // within: kept

  const keep = await localHousekeeping(store, index, { graceMs: HOUR, gridRetentionMs: 0 });
  expect(keep.expiredGrids).toEqual([]);
  expect(await store.list('destination', 'g4/')).toEqual(['g4/grid-new.jpg', 'g4/grid-old.jpg']);

  const report = await localHousekeeping(store, index, {
    graceMs: HOUR,
    gridRetentionMs: 30 * DAY,
  });
  expect(report).toMatchObject({ expiredGrids: ['g4/grid-old.jpg'], orphanedGrids: [] });
  expect(await store.list('destination', 'g4/')).toEqual(['g4/grid-new.jpg']);
  expect(await store.list('source', 'g4/')).toEqual(['g4/01ARZ3NDEKTSV4RRFFQ69G5FA7.jpg']);
});

test('removes build records past their keeping, as DynamoDB TTL does on AWS', async () => {
  const build = (buildId: string) =>
    buildRecord({ gridId: 'g5', buildId, status: 'done', tilesDone: 1, tilesTotal: 1 });
  await index.putBuild(build('expired'), new Date(Date.now() - 1000));
  await index.putBuild(build('kept'), new Date(Date.now() + DAY));

  const report = await localHousekeeping(store, index, { graceMs: HOUR });
  expect(report.expiredBuilds).toBe(1);
  expect(await index.getBuild('g5', 'kept')).toEqual(build('kept'));
  expect(await localHousekeeping(store, index, { graceMs: HOUR })).toMatchObject({
    expiredBuilds: 0,
  });
});
