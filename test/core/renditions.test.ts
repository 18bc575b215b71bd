import { describe, expect, test } from 'vitest';
import { renditionKey, renditionPrefix } from '../../src/core/ids.js';
import { makeRenditions } from '../../src/core/renditions.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { BLUE, RED, solidImage } from '../support/images.js';
import { pauseOnce } from '../support/pause-points.js';
import { STORAGE_BACKENDS, useStorageBackend } from '../support/storage-backends.js';

describe.each(STORAGE_BACKENDS)('renditions on $name', (backend) => {
  const opened = useStorageBackend(backend);
  let grids = 0;
  const newGrid = () => `rend-${process.pid}-${++grids}`;
  const ports = () => opened.storage;
  const recordOf = async (grid: string, key: string) =>
    (await opened.storage.index.list(grid)).find((record) => record.key === key);

  test('are made below the short side, stored under derived keys and recorded, once', async () => {
    const grid = newGrid();
    const saved = await opened.service().addImage(grid, await solidImage(RED, 600, 400));

    expect(await makeRenditions(ports(), sharpImaging, saved.key, [640, 256, 100])).toBe('made');
    expect((await recordOf(grid, saved.key))?.renditions).toEqual([100, 256]);
    expect(await opened.storage.objects.list('source', renditionPrefix(grid))).toEqual(
      [renditionKey(saved.key, 100), renditionKey(saved.key, 256)].sort(),
    );
    expect(await makeRenditions(ports(), sharpImaging, saved.key, [100, 256])).toBe('present');
  });

  test('an image smaller than every size is recorded with none', async () => {
    const grid = newGrid();
    const saved = await opened.service().addImage(grid, await solidImage(BLUE, 90, 200));
    expect(await makeRenditions(ports(), sharpImaging, saved.key, [100])).toBe('made');
    expect((await recordOf(grid, saved.key))?.renditions).toEqual([]);
  });

  test('an image deleted while its renditions are made leaves none and stays deleted', async () => {
    const grid = newGrid();
    const saved = await opened.service().addImage(grid, await solidImage(RED, 600, 400));
    // The maker stops after storing its renditions, before recording them.
    const { port: index, pause } = pauseOnce(opened.storage.index, 'setRenditions');
    const making = makeRenditions({ ...ports(), index }, sharpImaging, saved.key, [100]);
    await pause.reached;
    await opened.service().deleteImage(grid, saved.imageId);
    pause.release();

    expect(await making).toBe('image_gone');
    expect(await opened.storage.index.list(grid)).toEqual([]);
    expect(await opened.storage.objects.list('source', renditionPrefix(grid))).toEqual([]);
  });

  test('made twice at once, they end as made once', async () => {
    const grid = newGrid();
    const saved = await opened.service().addImage(grid, await solidImage(RED, 600, 400));
    const { port: index, pause } = pauseOnce(opened.storage.index, 'setRenditions');
    const first = makeRenditions({ ...ports(), index }, sharpImaging, saved.key, [100]);
    await pause.reached;
    const second = await makeRenditions(ports(), sharpImaging, saved.key, [100]);
    pause.release();

    expect([second, await first]).toEqual(['made', 'made']);
    expect((await recordOf(grid, saved.key))?.renditions).toEqual([100]);
    expect(await opened.storage.objects.list('source', renditionPrefix(grid))).toEqual([
      renditionKey(saved.key, 100),
    ]);
  });

  test('go with their image, and with their grid', async () => {
    const grid = newGrid();
    const [first, second] = [
      await opened.service().addImage(grid, await solidImage(RED, 600, 400)),
      await opened.service().addImage(grid, await solidImage(BLUE, 600, 400)),
    ];
    for (const saved of [first, second]) {
      await makeRenditions(ports(), sharpImaging, saved.key, [100]);
    }

    await opened.service().deleteImage(grid, first.imageId);
    expect(await opened.storage.objects.list('source', renditionPrefix(grid))).toEqual([
      renditionKey(second.key, 100),
    ]);
    await opened.service().deleteGrid(grid);
    expect(await opened.storage.objects.list('source', renditionPrefix(grid))).toEqual([]);
  });
});
