import { describe, expect, test } from 'vitest';
import type { GridIndex } from '../../src/core/ports.js';
import { RED, solidImage } from '../support/images.js';
import { STORAGE_BACKENDS, useStorageBackend } from '../support/storage-backends.js';

/** Deleting one image reads that image's record, not the grid's (issue 15, part 4). */

/** The index, noting the name of each method called on it. */
function counting(index: GridIndex, calls: string[]): GridIndex {
  return new Proxy(index, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return value.apply(target, args);
      };
    },
  });
}

describe.each(STORAGE_BACKENDS)('looking up one image on $name', (backend) => {
  const opened = useStorageBackend(backend);

  test('a delete finds its image alone: one find, no listing of the grid', async () => {
    const bytes = await solidImage(RED, 16, 16, 'png');
    const added = [];
    for (let i = 0; i < 4; i++) added.push(await opened.service().addImage('lookup', bytes));
    const victim = added[2];
    const calls: string[] = [];
    const service = opened.service(opened.storage.objects, counting(opened.storage.index, calls));

    expect(await service.deleteImage('lookup', victim?.imageId as string)).toEqual(victim);
    expect(calls).toEqual(['find', 'remove']);
    calls.length = 0;
    await expect(service.deleteImage('lookup', victim?.imageId as string)).rejects.toMatchObject({
      code: 'image_not_found',
    });
    expect(calls).toEqual(['find']);
  });

  test('find gives the grid’s record of that id, and nothing for another grid or id', async () => {
    const bytes = await solidImage(RED, 16, 16, 'png');
    const mine = await opened.service().addImage('finding', bytes);
    const theirs = await opened.service().addImage('finding-other', bytes);
    const { index } = opened.storage;
    expect(await index.find('finding', mine.imageId)).toEqual(mine);
    expect(await index.find('finding', theirs.imageId)).toBeUndefined();
    // A grid whose id starts like another's does not see the other's images.
    expect(await index.find('finding-other', mine.imageId)).toBeUndefined();
  });
});
