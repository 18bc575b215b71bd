import { ulid } from 'ulid';
import { describe, expect, test } from 'vitest';
import { renditionKey, renditionPrefix, sourceKey, stagingKey } from '../../src/core/ids.js';
import type { GridIndex, ObjectStore } from '../../src/core/ports.js';
import { makeRenditions } from '../../src/core/renditions.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { BLUE, GREEN, RED, solidImage } from '../support/images.js';
import { pauseOnce } from '../support/pause-points.js';
import { STORAGE_BACKENDS, useStorageBackend } from '../support/storage-backends.js';

// Where two operations meet (an upload and a grid delete, two confirms, a build and an
// image delete), each test stops one of them at a chosen step with a pause point, runs
// the other to the end in that gap, then lets the first go on. Same tests on both
// backends: the rules that decide the winner live in the service and the ports.

describe.each(STORAGE_BACKENDS)('races on $name', (backend) => {
  const opened = useStorageBackend(backend);
  let grids = 0;
  const newGrid = () => `race-${process.pid}-${++grids}`;
  const serviceOver = (objects?: ObjectStore, index?: GridIndex) => opened.service(objects, index);
  /** What PUTting bytes to a two-step upload's link does. */
  const putUpload = (grid: string, uploadId: string, bytes: Buffer, type = 'image/jpeg') =>
    opened.storage.objects.put('source', stagingKey(grid, uploadId), bytes, type);

  test('an upload acknowledged while its grid is deleted keeps its object and its record', async () => {
    const grid = newGrid();
    const red = await solidImage(RED, 320, 240);
    const green = await solidImage(GREEN, 320, 240);
    await serviceOver().addImage(grid, red);

    // The upload stops between its two writes: object stored, record not yet written.
    const { port: index, pause } = pauseOnce(opened.storage.index, 'add');
    const upload = serviceOver(opened.storage.objects, index).addImage(grid, green);
    await pause.reached;
    const deleted = await serviceOver().deleteGrid(grid);
    pause.release();
    const saved = await upload;

    expect(deleted.deletedImages).toBe(1);
    const { images } = await serviceOver().listImages(grid);
    expect(images.map((image) => image.key)).toEqual([saved.key]);
    expect(await opened.storage.objects.get('source', saved.key)).toEqual(green);
    expect((await serviceOver().buildGrid(grid)).imageCount).toBe(1);
  });

  test('a grid delete removes the unrecorded objects older than the grace period, and only those', async () => {
    const grid = newGrid();
    const bytes = await solidImage(BLUE, 64, 64);
    await serviceOver().addImage(grid, bytes);
    const hourAgo = Date.now() - 3_600_000;
    const leftover = sourceKey(grid, ulid(hourAgo - (opened.settings.graceMs ?? 0)), 'jpg');
    const inFlight = sourceKey(grid, ulid(), 'jpg');
    for (const key of [leftover, inFlight]) {
      await opened.storage.objects.putNew('source', key, bytes, 'image/jpeg');
    }

    await serviceOver().deleteGrid(grid);

    expect(await opened.storage.objects.list('source', `${grid}/`)).toEqual([inFlight]);
  });

  test('an image recorded while its grid is deleted keeps its renditions; old unrecorded ones go', async () => {
    const grid = newGrid();
    const bytes = await solidImage(BLUE, 640, 480);
    const made = (key: string) => makeRenditions(opened.storage, sharpImaging, key, [256]);
    const removed = await serviceOver().addImage(grid, bytes);
    await made(removed.key);
    const hourAgo = Date.now() - 3_600_000;
    const leftover = renditionKey(
      sourceKey(grid, ulid(hourAgo - opened.settings.graceMs), 'jpg'),
      256,
    );
    await opened.storage.objects.put('source', leftover, bytes, 'image/jpeg');

    // The delete has removed the records it listed and is about to list the renditions.
    const { port: objects, pause } = pauseOnce(opened.storage.objects, 'list', (_bucket, prefix) =>
      String(prefix).startsWith('_renditions/'),
    );
    const deleting = serviceOver(objects).deleteGrid(grid);
    await pause.reached;
    const survivor = await serviceOver().addImage(grid, bytes);
    await made(survivor.key);
    pause.release();
    await deleting;

    expect(await opened.storage.objects.list('source', renditionPrefix(grid))).toEqual([
      renditionKey(survivor.key, 256),
    ]);
    const { images } = await serviceOver().listImages(grid);
    expect(images.map((image) => image.renditions)).toEqual([[256]]);
  });

  test('two confirms of one upload in parallel: one adds the image, the other gets 409', async () => {
    const grid = newGrid();
    const { uploadId } = await serviceOver().createUpload(grid, 100_000);
    await putUpload(grid, uploadId, await solidImage(RED, 200, 100));

    // The first confirm stops before it reads the uploaded bytes.
    const staged = stagingKey(grid, uploadId);
    const { port: objects, pause } = pauseOnce(
      opened.storage.objects,
      'get',
      (_bucket, key) => key === staged,
    );
    const first = serviceOver(objects).confirmUpload(grid, uploadId);
    await pause.reached;
    const second = serviceOver()
      .confirmUpload(grid, uploadId)
      .catch((error) => error);
    pause.release();

    const saved = await first;
    expect(await second).toMatchObject({ kind: 'conflict' });
    const { images } = await serviceOver().listImages(grid);
    expect(images.map((image) => image.imageId)).toEqual([saved.imageId]);
  });

  test('an upload link adds one image only: a second PUT and confirm get 409 and change nothing', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const { uploadId } = await service.createUpload(grid, 100_000);
    const jpeg = await solidImage(RED, 200, 100);
    await putUpload(grid, uploadId, jpeg);
    const saved = await service.confirmUpload(grid, uploadId);

    // Again with other bytes, and again as a PNG (another key, were the id reused).
    await putUpload(grid, uploadId, await solidImage(GREEN, 200, 100));
    await expect(service.confirmUpload(grid, uploadId)).rejects.toMatchObject({
      kind: 'conflict',
    });
    await putUpload(grid, uploadId, await solidImage(GREEN, 200, 100, 'png'), 'image/png');
    await expect(service.confirmUpload(grid, uploadId)).rejects.toMatchObject({
      kind: 'conflict',
    });

    const { images } = await service.listImages(grid);
    expect(images.map((image) => image.key)).toEqual([saved.key]);
    expect(await opened.storage.objects.get('source', saved.key)).toEqual(jpeg);
  });

  test('a deleted image cannot come back through its upload link, nor stay in a cached grid', async () => {
    const grid = newGrid();
    const service = serviceOver();
    await service.addImage(grid, await solidImage(BLUE, 100, 100));
    const { uploadId } = await service.createUpload(grid, 100_000);
    const red = await solidImage(RED, 100, 100);
    await putUpload(grid, uploadId, red);
    const saved = await service.confirmUpload(grid, uploadId);
    expect((await service.buildGrid(grid)).imageCount).toBe(2);

    await service.deleteImage(grid, saved.imageId);
    await putUpload(grid, uploadId, red);
    await expect(service.confirmUpload(grid, uploadId)).rejects.toMatchObject({
      kind: 'conflict',
    });

    const rebuilt = await service.buildGrid(grid);
    expect(rebuilt).toMatchObject({ imageCount: 1, cached: false });
  });

  test('a build that meets an image delete builds the images that remain', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const added = [];
    for (const colour of [RED, GREEN, BLUE]) {
      added.push(await service.addImage(grid, await solidImage(colour, 120, 90)));
    }
    const doomed = added[1]?.key;

    // The build has listed the grid and stops before it reads the second image.
    const { port: objects, pause } = pauseOnce(
      opened.storage.objects,
      'getSource',
      (key) => key === doomed,
    );
    const build = serviceOver(objects).buildGrid(grid, { tileSize: 40 });
    await pause.reached;
    await service.deleteImage(grid, added[1]?.imageId as string);
    pause.release();

    expect(await build).toMatchObject({ imageCount: 2, columns: 1, rows: 2 });
  });

  test('a build whose images keep disappearing gives up after its attempts: grid_changed', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const saved = await service.addImage(grid, await solidImage(RED, 120, 90));
    // Its object gone and its record not yet: a delete caught between its two steps, on
    // every attempt the build makes.
    await opened.storage.objects.delete('source', [saved.key]);
    await expect(service.buildGrid(grid, { tileSize: 40 })).rejects.toMatchObject({
      kind: 'conflict',
      code: 'grid_changed',
    });
  });

  test('a two-step upload takes its place in the grid when it is confirmed', async () => {
    const grid = newGrid();
    const service = serviceOver();
    const { uploadId } = await service.createUpload(grid, 100_000);
    const direct = await service.addImage(grid, await solidImage(RED, 80, 80));
    await putUpload(grid, uploadId, await solidImage(GREEN, 80, 80));
    const confirmed = await service.confirmUpload(grid, uploadId);

    const { images } = await service.listImages(grid);
    expect(images.map((image) => image.imageId)).toEqual([direct.imageId, confirmed.imageId]);
    expect((images[0]?.uploadedAt ?? '') <= (images[1]?.uploadedAt ?? '')).toBe(true);
  });
});
