import { ulid } from 'ulid';
import { describe, expect, test } from 'vitest';
import type { GridService } from '../../src/core/grid-service.js';
import { stagingKey } from '../../src/core/ids.js';
import type { GridIndex } from '../../src/core/ports.js';
import { BLUE, GREEN, MAGENTA, RED, type Rgb, solidImage, YELLOW } from '../support/images.js';
import { pauseOnce } from '../support/pause-points.js';
import { STORAGE_BACKENDS, useStorageBackend } from '../support/storage-backends.js';

// The grid's order is data: uploads sent at once land in the order their client chose,
// a reorder is stored in one write, and a reorder meets uploads and deletes without
// losing or inventing an image. Same tests on both backends.

describe.each(STORAGE_BACKENDS)('grid order on $name', (backend) => {
  const backendUnderTest = useStorageBackend(backend);
  let grids = 0;
  const newGrid = () => `order-${process.pid}-${++grids}`;
  const serviceOver = (index?: GridIndex) => backendUnderTest.service(undefined, index);
  const photo = (colour: Rgb) => solidImage(colour, 60, 40);
  const idsOf = async (service: GridService, grid: string) =>
    (await service.listImages(grid)).images.map((image) => image.imageId);
  const storage = () => backendUnderTest.storage;

  test('uploads of one batch take the order the client chose, whatever order they arrive in', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const first = await service.addImage(grid, await photo(BLUE));
    const batch = ulid();
    // Arrival order 2, 0, 1: the grid must still show 0, 1, 2 after the earlier image.
    const two = await service.addImage(grid, await photo(GREEN), { batch, index: 2 });
    const zero = await service.addImage(grid, await photo(RED), { batch, index: 0 });
    const one = await service.addImage(grid, await photo(YELLOW), { batch, index: 1 });
    const later = await service.addImage(grid, await photo(MAGENTA));

    expect(await idsOf(service, grid)).toEqual(
      [first, zero, one, two, later].map((r) => r.imageId),
    );
  });

  test('a two-step upload takes its batch place at its confirm', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const batch = ulid();
    const { uploadId } = await service.createUpload(grid, 100_000, { batch, index: 0 });
    const second = await service.addImage(grid, await photo(GREEN), { batch, index: 1 });
    await storage().objects.put(
      'source',
      stagingKey(grid, uploadId),
      await photo(RED),
      'image/jpeg',
    );
    const first = await service.confirmUpload(grid, uploadId, { batch, index: 0 });

    expect(await idsOf(service, grid)).toEqual([first.imageId, second.imageId]);
  });

  test('a reorder changes the listing and the built grid, and the cached grid only with it', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const added = [];
    for (const colour of [RED, GREEN, BLUE])
      added.push(await service.addImage(grid, await photo(colour)));
    const before = await service.buildGrid(grid, { tileSize: 16, columns: 3 });
    expect((await service.buildGrid(grid, { tileSize: 16, columns: 3 })).cached).toBe(true);

    const reversed = added.map((r) => r.imageId).reverse();
    await service.reorder(grid, reversed);

    expect(await idsOf(service, grid)).toEqual(reversed);
    const after = await service.buildGrid(grid, { tileSize: 16, columns: 3 });
    expect(after.cached).toBe(false);
    expect(after.key).not.toBe(before.key);
    // Back to the first order: the first build's image is the right one again.
    await service.reorder(grid, [...reversed].reverse());
    expect(await service.buildGrid(grid, { tileSize: 16, columns: 3 })).toMatchObject({
      key: before.key,
      cached: true,
    });
  });

  test('a reorder must name every image exactly once, and says what is wrong', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const [a, b] = [
      await service.addImage(grid, await photo(RED)),
      await service.addImage(grid, await photo(GREEN)),
    ];
    const stranger = ulid();
    for (const [ids, says] of [
      [[a?.imageId], /missing: /],
      [[a?.imageId, b?.imageId, a?.imageId], /named more than once: /],
      [[a?.imageId, b?.imageId, stranger], new RegExp(`not in the grid: ${stranger}`)],
    ] as const) {
      await expect(service.reorder(grid, ids as readonly string[])).rejects.toMatchObject({
        kind: 'invalid_request',
        message: expect.stringMatching(says),
      });
    }
    expect(await idsOf(service, grid)).toEqual([a?.imageId, b?.imageId]);
  });

  test('an upload recorded while a reorder is stored follows the reordered images', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const a = await service.addImage(grid, await photo(RED));
    const b = await service.addImage(grid, await photo(GREEN));

    // The reorder has checked its ids against the grid and stops before it stores them.
    const { port: index, pause } = pauseOnce(storage().index, 'setOrder');
    const reorder = serviceOver(index).reorder(grid, [b.imageId, a.imageId]);
    await pause.reached;
    const c = await service.addImage(grid, await photo(BLUE));
    pause.release();
    await reorder;

    expect(await idsOf(service, grid)).toEqual([b.imageId, a.imageId, c.imageId]);
    expect((await service.buildGrid(grid, { tileSize: 16 })).imageCount).toBe(3);
  });

  test('an image deleted while a reorder is stored is left out, and the grid builds', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const a = await service.addImage(grid, await photo(RED));
    const b = await service.addImage(grid, await photo(GREEN));
    const c = await service.addImage(grid, await photo(BLUE));

    const { port: index, pause } = pauseOnce(storage().index, 'setOrder');
    const reorder = serviceOver(index).reorder(grid, [c.imageId, b.imageId, a.imageId]);
    await pause.reached;
    await service.deleteImage(grid, b.imageId);
    pause.release();
    await reorder;

    expect(await idsOf(service, grid)).toEqual([c.imageId, a.imageId]);
    expect((await service.buildGrid(grid, { tileSize: 16 })).imageCount).toBe(2);
  });

  test('a deleted grid forgets its order: new images are in upload order again', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const a = await service.addImage(grid, await photo(RED));
    const b = await service.addImage(grid, await photo(GREEN));
    await service.reorder(grid, [b.imageId, a.imageId]);
    await service.deleteGrid(grid);
    expect(await storage().index.getOrder(grid)).toBeUndefined();

    const c = await service.addImage(grid, await photo(BLUE));
    const d = await service.addImage(grid, await photo(YELLOW));
    expect(await idsOf(service, grid)).toEqual([c.imageId, d.imageId]);
  });

  test('batch and index go together and are checked', async () => {
    const service = serviceOver();
    const bytes = await photo(RED);
    for (const placement of [
      { batch: ulid() },
      { index: 0 },
      { batch: 'not-a-ulid', index: 0 },
      { batch: ulid(), index: 100_000 },
    ]) {
      await expect(service.addImage(newGrid(), bytes, placement)).rejects.toMatchObject({
        kind: 'invalid_request',
      });
    }
  });
});
