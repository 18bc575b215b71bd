import { beforeEach, describe, expect, it } from 'vitest';
import type { GridService } from '../../src/core/grid-service.js';
import { renditionKey } from '../../src/core/ids.js';
import { makeRenditions } from '../../src/core/renditions.js';
import {
  type MemoryGridIndex,
  type MemoryObjectStore,
  memoryService,
  type TextImaging,
  textImage,
} from '../support/memory-ports.js';

// Which stored copy a build reads and a listing links to, over in-memory ports: a
// TextImaging rendition is its source's text and its size (`jpeg 800x600 @256`).

let objects: MemoryObjectStore;
let index: MemoryGridIndex;
let imaging: TextImaging;
let service: GridService;

beforeEach(() => {
  ({ objects, index, imaging, service } = memoryService({
    maxInputPixels: 10_000_000,
    maxOutputPixels: 40_000_000,
  }));
});

const sourcesOf = async (key: string) =>
  JSON.parse((await objects.get('destination', key)).toString()).sources as string[];

describe('a build', () => {
  it('reads the smallest rendition that covers the tile, the original when none does or none is made', async () => {
    const made = await service.addImage('trip', textImage('jpeg', 800, 600));
    const plain = await service.addImage('trip', textImage('jpeg', 900, 600));
    await makeRenditions({ objects, index }, imaging, made.key, [256, 512]);

    const at = async (tileSize: number) =>
      sourcesOf((await service.buildGrid('trip', { tileSize })).key);
    expect(await at(100)).toEqual(['jpeg 800x600 @256', 'jpeg 900x600']);
    expect(await at(300)).toEqual(['jpeg 800x600 @512', 'jpeg 900x600']);
    expect(await at(600)).toEqual(['jpeg 800x600', 'jpeg 900x600']);
    expect(plain.renditions).toBeUndefined();
  });

  it('reads the original when a recorded rendition is missing from storage', async () => {
    const made = await service.addImage('trip', textImage('jpeg', 800, 600));
    await makeRenditions({ objects, index }, imaging, made.key, [256]);
    await objects.delete('source', [renditionKey(made.key, 256)]);

    const built = await service.buildGrid('trip', { tileSize: 100 });
    expect(await sourcesOf(built.key)).toEqual(['jpeg 800x600']);
  });
});

describe('a listing', () => {
  it("links each image's preview to its smallest rendition once made, to the store's preview before", async () => {
    const made = await service.addImage('trip', textImage('jpeg', 800, 600));
    const plain = await service.addImage('trip', textImage('jpeg', 900, 600));
    await makeRenditions({ objects, index }, imaging, made.key, [512, 256]);

    const { images } = await service.listImages('trip');
    expect(images.map((image) => image.previewUrl)).toEqual([
      `memory://get/source/${renditionKey(made.key, 256)}?expires=300`,
      `memory://preview/${plain.key}?expires=300`,
    ]);
  });
});
