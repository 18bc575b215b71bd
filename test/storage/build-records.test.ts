import { describe, expect, it } from 'vitest';
import type { BuildRecord } from '../../src/core/ports.js';
import { buildRecord } from '../support/build-records.js';
import { recordOf } from '../support/leftovers.js';
import { STORAGE_BACKENDS, useStorageBackend } from '../support/storage-backends.js';

const HOUR = 3_600_000;

const running = (gridId: string, buildId: string): BuildRecord =>
  buildRecord({
    gridId,
    buildId,
    tilesTotal: 12,
    options: { ...buildRecord().options, columns: 4, width: 400 },
  });

describe.each(STORAGE_BACKENDS)('build records on $name', (backend) => {
  const opened = useStorageBackend(backend);
  const later = () => new Date(Date.now() + HOUR);

  it('stores a record whole and gives it back; another build or grid is unknown', async () => {
    const { index } = opened.storage;
    const record = running('trip', 'a1b2c3d4e5f6a1b2c3d4e5f6');
    await index.putBuild(record, later());

    expect(await index.getBuild('trip', record.buildId)).toEqual(record);
    expect(await index.getBuild('trip', 'ffffffffffffffffffffffff')).toBeUndefined();
    expect(await index.getBuild('other', record.buildId)).toBeUndefined();
  });

  it('replaces the whole record: fields the new one leaves out are gone', async () => {
    const { index } = opened.storage;
    const failed: BuildRecord = {
      ...running('replaced', '0123456789abcdef01234567'),
      status: 'failed',
      error: { code: 'grid_empty', message: 'No images.' },
    };
    await index.putBuild(failed, later());
    const retried = { ...running('replaced', failed.buildId), attempts: 2, tilesDone: 5 };
    await index.putBuild(retried, later());

    expect(await index.getBuild('replaced', failed.buildId)).toEqual(retried);
  });

  it('a finished build keeps its key; the grid listing never sees build records', async () => {
    const { index } = opened.storage;
    const image = recordOf('album/01ARZ3NDEKTSV4RRFFQ69G5FA1.jpg');
    await index.add(image);
    const done: BuildRecord = {
      ...running('album', '00000000000000000000abcd'),
      status: 'done',
      tilesDone: 12,
      key: 'album/grid-00000000000000000000abcd.jpg',
    };
    await index.putBuild(done, later());

    expect(await index.getBuild('album', done.buildId)).toEqual(done);
    expect(await index.list('album')).toEqual([image]);
  });

  it('forgets a record after its keeping', async () => {
    const { index } = opened.storage;
    const record = running('old', 'aaaaaaaaaaaaaaaaaaaaaaaa');
    await index.putBuild(record, new Date(Date.now() - 1000));

    expect(await index.getBuild('old', record.buildId)).toBeUndefined();
  });
});
