import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ulid } from 'ulid';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { sweepUnrecordedObjects } from '../../../src/core/sweep-unrecorded.js';
import { collectGarbage } from '../../../src/gc.js';
import { FileObjectStore } from '../../../src/storage/local/file-object-store.js';
import { SqliteGridIndex } from '../../../src/storage/local/sqlite-grid-index.js';
import { sweepLocalStorage } from '../../../src/storage/local/sweep.js';
import { UrlSigner } from '../../../src/storage/local/url-signer.js';

let dataDir: string;
let store: FileObjectStore;
let index: SqliteGridIndex;
const HOUR = 3_600_000;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-sweep-'));
  store = new FileObjectStore(join(dataDir, 'objects'), new UrlSigner(Buffer.alloc(32, 1)));
  index = new SqliteGridIndex(join(dataDir, 'index.sqlite'));
});

afterEach(() => {
  index.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A file as a crash would leave it, last written `ageMs` ago. */
function leftover(path: string, ageMs: number) {
  const file = join(dataDir, 'objects', path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, 'x');
  const when = new Date(Date.now() - ageMs);
  utimesSync(file, when, when);
  return file;
}

const record = (gridId: string, key: string) =>
  index.add({
    gridId,
    key,
    imageId: key.slice(key.indexOf('/') + 1, key.indexOf('.')),
    size: 1,
    width: 1,
    height: 1,
    format: 'jpeg',
    contentType: 'image/jpeg',
    uploadedAt: new Date().toISOString(),
    position: key.slice(key.indexOf('/') + 1, key.indexOf('.')),
  });

test('removes old leftovers only: unrecorded images, abandoned uploads, grids of emptied grids, temp files', async () => {
  leftover('source/g1/01ARZ3NDEKTSV4RRFFQ69G5FA1.jpg', 2 * HOUR); // recorded: kept
  await record('g1', 'g1/01ARZ3NDEKTSV4RRFFQ69G5FA1.jpg');
  leftover('source/g1/01ARZ3NDEKTSV4RRFFQ69G5FA2.jpg', 2 * HOUR); // unrecorded, old: swept
  leftover('source/g1/01ARZ3NDEKTSV4RRFFQ69G5FA3.jpg', 1000); // unrecorded, young (in flight): kept
  leftover('source/_uploads/g1/01ARZ3NDEKTSV4RRFFQ69G5FA4', 2 * HOUR); // never confirmed: swept
  leftover('source/_uploads/g1/01ARZ3NDEKTSV4RRFFQ69G5FA5', 1000); // waiting for confirm: kept
  leftover('destination/g1/grid-abc.jpg', 2 * HOUR); // g1 has images: kept
  leftover('destination/gone/grid-abc.jpg', 2 * HOUR); // grid emptied: swept
  leftover('.tmp/3f1c', 2 * HOUR); // half-written: swept
  leftover('.tmp/3f1d', 1000); // being written: kept
  leftover('source/not a key!.jpg', 2 * HOUR); // not a name GridBuilder makes: left alone

  const report = await sweepLocalStorage(store, index, { graceMs: HOUR });
  expect(report).toEqual({
    unrecordedImages: ['g1/01ARZ3NDEKTSV4RRFFQ69G5FA2.jpg'],
    abandonedUploads: ['_uploads/g1/01ARZ3NDEKTSV4RRFFQ69G5FA4'],
    orphanedGrids: ['gone/grid-abc.jpg'],
    expiredGrids: [],
    tempFiles: 1,
  });
  expect(await store.list('source', 'g1/')).toEqual([
    'g1/01ARZ3NDEKTSV4RRFFQ69G5FA1.jpg',
    'g1/01ARZ3NDEKTSV4RRFFQ69G5FA3.jpg',
  ]);
  expect(await store.list('source', '_uploads/g1/')).toEqual([
    '_uploads/g1/01ARZ3NDEKTSV4RRFFQ69G5FA5',
  ]);
  expect(await store.list('destination', '')).toEqual(['g1/grid-abc.jpg']);

  // A second sweep finds nothing more.
  expect(await sweepLocalStorage(store, index, { graceMs: HOUR })).toMatchObject({
    unrecordedImages: [],
    tempFiles: 0,
  });
});

test('built grids past their retention are removed, as S3 expires them on AWS; 0 keeps them', async () => {
  const DAY = 24 * HOUR;
  await record('g4', 'g4/01ARZ3NDEKTSV4RRFFQ69G5FA7.jpg');
  leftover('source/g4/01ARZ3NDEKTSV4RRFFQ69G5FA7.jpg', 40 * DAY); // the image: kept
  leftover('destination/g4/grid-old.jpg', 31 * DAY); // past 30 days: swept
  leftover('destination/g4/grid-new.jpg', 29 * DAY); // within: kept

  const keep = await sweepLocalStorage(store, index, { graceMs: HOUR, gridRetentionMs: 0 });
  expect(keep.expiredGrids).toEqual([]);
  expect(await store.list('destination', 'g4/')).toEqual(['g4/grid-new.jpg', 'g4/grid-old.jpg']);

  const report = await sweepLocalStorage(store, index, {
    graceMs: HOUR,
    gridRetentionMs: 30 * DAY,
  });
  expect(report).toMatchObject({ expiredGrids: ['g4/grid-old.jpg'], orphanedGrids: [] });
  expect(await store.list('destination', 'g4/')).toEqual(['g4/grid-new.jpg']);
  expect(await store.list('source', 'g4/')).toEqual(['g4/01ARZ3NDEKTSV4RRFFQ69G5FA7.jpg']);

  // The server's sweep and `gc` take the period from GRID_RETENTION_DAYS.
  leftover('destination/g4/grid-week.jpg', 8 * DAY);
  leftover('destination/g4/grid-day.jpg', DAY);
  const config = loadConfig({ DATA_DIR: dataDir, GRID_RETENTION_DAYS: '7' });
  expect((await collectGarbage(config)).expiredGrids.sort()).toEqual([
    'g4/grid-new.jpg',
    'g4/grid-week.jpg',
  ]);
  expect(await store.list('destination', 'g4/')).toEqual(['g4/grid-day.jpg']);
});

test('collectGarbage sweeps the configured data folder', async () => {
  leftover('source/g2/01ARZ3NDEKTSV4RRFFQ69G5FA6.png', 2 * HOUR);
  const report = await collectGarbage(loadConfig({ DATA_DIR: dataDir, GC_GRACE_SECONDS: '60' }));
  expect(report.unrecordedImages).toEqual(['g2/01ARZ3NDEKTSV4RRFFQ69G5FA6.png']);
});

test('the port-level sweep (used on AWS) dates objects by their ULID and spares recorded and young ones', async () => {
  const now = Date.now();
  const id = (ageMs: number) => ulid(now - ageMs);
  const old = [id(2 * HOUR), id(2 * HOUR), id(2 * HOUR)];
  const young = id(1000);
  const recordedKey = `g3/${old[0]}.jpg`;
  const put = (key: string) => store.put('source', key, Buffer.from('x'));
  await put(recordedKey);
  await record('g3', recordedKey);
  await put(`g3/${old[1]}.png`); // unrecorded, old: swept
  await put(`g3/${young}.png`); // unrecorded, young: kept
  await put(`_uploads/g3/${old[2]}`); // abandoned: swept
  await put('g3/not-a-ulid.jpg'); // not GridBuilder's: kept

  const report = await sweepUnrecordedObjects(store, index, { graceMs: HOUR, now });
  expect(report).toEqual({
    unrecordedImages: [`g3/${old[1]}.png`],
    abandonedUploads: [`_uploads/g3/${old[2]}`],
  });
  expect((await store.list('source', '')).sort()).toEqual(
    [recordedKey, `g3/${young}.png`, 'g3/not-a-ulid.jpg'].sort(),
  );
});
