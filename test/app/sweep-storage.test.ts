import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sweepStorage } from '../../src/app/sweep-storage.js';
import { loadConfig } from '../../src/config.js';
import { createLocalStorage } from '../../src/storage/local/create-local-storage.js';
import type { StorageBackend } from '../../src/storage/storage-backend.js';
import { idMadeAgo, leftoverFile, recordOf } from '../support/leftovers.js';
import { pauseOnce } from '../support/pause-points.js';
import { STORAGE_BACKENDS, useStorageBackend } from '../support/storage-backends.js';

const HOUR = 3_600_000;

describe.each(STORAGE_BACKENDS)('one sweep through the ports on $name', (backend) => {
  const opened = useStorageBackend(backend);
  const put = (key: string) =>
    opened.storage.objects.put('source', key, Buffer.from('x'), 'image/jpeg');

  test('removes unrecorded images and abandoned uploads older than the grace period, by the time in their key', async () => {
    const { storage } = opened;
    const recorded = `g1/${idMadeAgo(2 * HOUR)}.jpg`; // recorded: kept, however old
    const unrecorded = `g1/${idMadeAgo(2 * HOUR)}.png`; // unrecorded, old: swept
    const young = `g1/${idMadeAgo(1000)}.png`; // unrecorded, young (in flight): kept
    const abandoned = `_uploads/g1/${idMadeAgo(3 * HOUR)}`; // never confirmed, link long expired: swept
    const linkStillUsable = `_uploads/g1/${idMadeAgo(2 * HOUR)}`; // past the grace, not past grace + link: kept
    const waiting = `_uploads/g1/${idMadeAgo(1000)}`; // waiting for its confirm: kept
    const foreign = 'g1/not-a-ulid.jpg'; // not a key GridBuilder makes: left alone
    for (const key of [recorded, unrecorded, young, abandoned, linkStillUsable, waiting, foreign]) {
      await put(key);
    }
    await storage.index.add(recordOf(recorded));

    const options = { graceMs: HOUR, uploadGraceMs: 2.5 * HOUR };
    const report = await sweepStorage(storage, options);
    expect(report).toMatchObject({ unrecordedImages: [unrecorded], abandonedUploads: [abandoned] });
    expect((await storage.objects.list('source', '')).sort()).toEqual(
      [recorded, young, linkStillUsable, waiting, foreign].sort(),
    );

    // A second sweep finds nothing more.
    expect(await sweepStorage(storage, options)).toMatchObject({
      unrecordedImages: [],
      abandonedUploads: [],
    });
  });

  test('removes the renditions of unrecorded images older than the grace period, never those of a recorded image', async () => {
    const { storage } = opened;
    const recordedId = idMadeAgo(2 * HOUR);
    const goneId = idMadeAgo(2 * HOUR);
    const youngId = idMadeAgo(1000);
    const recorded = `g3/${recordedId}.jpg`;
    const kept = [`_renditions/g3/${recordedId}/256.jpg`, `_renditions/g3/${youngId}/256.jpg`];
    const orphans = [`_renditions/g3/${goneId}/256.jpg`, `_renditions/g3/${goneId}/640.jpg`];
    const foreign = '_renditions/g3/not-a-ulid/256.jpg';
    for (const key of [recorded, ...kept, ...orphans, foreign]) await put(key);
    await storage.index.add(recordOf(recorded));

    const report = await sweepStorage(storage, { graceMs: HOUR });
    expect(report).toMatchObject({ unrecordedImages: [], unrecordedRenditions: orphans });
    expect(await storage.objects.list('source', '_renditions/g3/')).toEqual(
      [...kept, foreign].sort(),
    );
  });

  test('spares an object whose record is written while the sweep runs', async () => {
    const { storage } = opened;
    const stalled = `g2/${idMadeAgo(2 * HOUR)}.jpg`; // an upload stalled between its two writes
    await put(stalled);
    // The sweep has listed the objects and is about to read the grid's records.
    const { port: index, pause } = pauseOnce(storage.index, 'list');
    const sweeping = sweepStorage({ ...storage, index }, { graceMs: HOUR });
    await pause.reached;
    await storage.index.add(recordOf(stalled));
    pause.release();

    expect((await sweeping).unrecordedImages).toEqual([]);
    expect(await storage.objects.list('source', 'g2/')).toEqual([stalled]);
  });

  test('adds the report of the backend’s own housekeeping, and only where it has some', async () => {
    const report = await sweepStorage(opened.storage, { graceMs: HOUR });
    if (opened.storage.housekeeping) {
      expect(report.housekeeping).toEqual({
        orphanedGrids: [],
        expiredGrids: [],
        tempFiles: 0,
        expiredBuilds: 0,
      });
    } else {
      expect(report).not.toHaveProperty('housekeeping');
    }
  });
});

describe('on local storage, the sweep and then the backend’s housekeeping', () => {
  let dataDir: string;
  let storage: StorageBackend;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-sweep-'));
    storage = createLocalStorage(loadConfig({ DATA_DIR: dataDir }));
  });

  afterEach(() => {
    storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const leftover = (path: string, ageMs: number) => leftoverFile(dataDir, path, ageMs);

  test('removes old leftovers only: unrecorded images, abandoned uploads, grids of emptied grids, temp files', async () => {
    const kept = `g1/${idMadeAgo(2 * HOUR)}.jpg`;
    const unrecorded = `g1/${idMadeAgo(2 * HOUR)}.jpg`;
    const young = `g1/${idMadeAgo(1000)}.jpg`;
    const abandoned = `_uploads/g1/${idMadeAgo(2 * HOUR)}`;
    const waiting = `_uploads/g1/${idMadeAgo(1000)}`;
    leftover(`source/${kept}`, 2 * HOUR); // recorded: kept
    await storage.index.add(recordOf(kept));
    leftover(`source/${unrecorded}`, 2 * HOUR); // unrecorded, old: swept
    leftover(`source/${young}`, 2 * HOUR); // unrecorded, young (in flight) by its id: kept
    leftover(`source/${abandoned}`, 2 * HOUR); // never confirmed: swept
    leftover(`source/${waiting}`, 1000); // waiting for confirm: kept
    leftover('destination/g1/grid-abc.jpg', 2 * HOUR); // g1 has images: kept
    leftover('destination/gone/grid-abc.jpg', 2 * HOUR); // grid emptied: swept
    leftover('destination/gone/grid-new.jpg', 1000); // grid emptied, but just built: kept
    leftover('.tmp/3f1c', 2 * HOUR); // half-written: swept
    leftover('.tmp/3f1d', 1000); // being written: kept
    leftover('source/not a key!.jpg', 2 * HOUR); // not a name GridBuilder makes: left alone

    const report = await sweepStorage(storage, { graceMs: HOUR });
    expect(report).toEqual({
      unrecordedImages: [unrecorded],
      unrecordedRenditions: [],
      abandonedUploads: [abandoned],
      housekeeping: {
        orphanedGrids: ['gone/grid-abc.jpg'],
        expiredGrids: [],
        tempFiles: 1,
        expiredBuilds: 0,
      },
    });
    expect(await storage.objects.list('source', 'g1/')).toEqual([kept, young].sort());
    expect(await storage.objects.list('source', '_uploads/g1/')).toEqual([waiting]);
    expect(await storage.objects.list('destination', '')).toEqual([
      'g1/grid-abc.jpg',
      'gone/grid-new.jpg',
    ]);

    // A second sweep finds nothing more.
    expect(await sweepStorage(storage, { graceMs: HOUR })).toEqual({
      unrecordedImages: [],
      unrecordedRenditions: [],
      abandonedUploads: [],
      housekeeping: { orphanedGrids: [], expiredGrids: [], tempFiles: 0, expiredBuilds: 0 },
    });
  });
});
