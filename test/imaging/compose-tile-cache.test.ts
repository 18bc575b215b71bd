import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gridPlacement } from '../../src/core/layout.js';
import type { ComposeRequest } from '../../src/core/ports.js';
import { composeGrid, tilesHeld } from '../../src/imaging/compose.js';
import { SpareCanvas } from '../../src/imaging/spare-canvas.js';
import { TileCache } from '../../src/imaging/tile-cache.js';
import { naturalPhotoJpeg } from '../support/images.js';

// composeGrid with the memory it keeps between builds: a tile cache (a repeat build at
// the same tile size copies the tiles it made before, no source read, whatever else
// changed) and a spare canvas; pixels are compared raw.

const TILE = 40;
const photos = await Promise.all(
  [1, 2, 3, 4].map((seed) => naturalPhotoJpeg(301 + seed, 203, { seed })),
);
const keys = ['g/a.jpg', 'g/b.jpg', 'g/c.jpg', 'g/d.jpg'];

/** Builds the keys' photos in that order as one row, as raw RGB; `loads`: which were read. */
async function build(
  cache: TileCache,
  order: readonly number[],
  { tileSize, ...options }: Partial<ComposeRequest> & { tileSize?: number } = {},
) {
  const loads: number[] = [];
  const cached: boolean[] = [];
  const grid = await composeGrid(
    {
      placement: gridPlacement(order.length, tileSize ?? TILE, 0, order.length),
      sourceKey: (i) => keys[order[i] as number] as string,
      loadSource: async (i) => {
        loads.push(order[i] as number);
        return { bytes: photos[order[i] as number] as Buffer };
      },
      format: 'png',
      inFlight: 2,
      decodes: 1,
      onTile: (tile) => cached.push(tile.cached),
      ...options,
    },
    { tiles: cache },
  );
  const raw = await sharp(grid).raw().toBuffer();
  return { loads: loads.sort(), cached, tiles: order.map((_, i) => tileOf(raw, i, order.length)) };
}

const tileOf = (raw: Buffer, index: number, columns: number) =>
  Buffer.concat(
    Array.from({ length: TILE }, (_, y) => {
      const start = (y * columns * TILE + index * TILE) * 3;
      return raw.subarray(start, start + TILE * 3);
    }),
  );

describe('composeGrid with a tile cache', () => {
  it('copies the tiles of an earlier build at the same size: no source read, the same pixels in the new order', async () => {
    const cache = new TileCache(1_000_000);
    const first = await build(cache, [0, 1, 2, 3]);
    expect(first.loads).toEqual([0, 1, 2, 3]);
    expect(first.cached).toEqual([false, false, false, false]);

    const reordered = await build(cache, [3, 2, 1, 0]);
    expect(reordered.loads).toEqual([]);
    expect(reordered.cached).toEqual([true, true, true, true]);
    expect(reordered.tiles).toEqual([...first.tiles].reverse());
  });

  it('reads the sources again for another tile size, and for keys it has not seen', async () => {
    const cache = new TileCache(1_000_000);
    await build(cache, [0, 1]);
    expect((await build(cache, [0, 1], { tileSize: TILE + 1 })).loads).toEqual([0, 1]);
    expect((await build(cache, [0, 1, 2])).loads).toEqual([2]);
  });

  it('keeps nothing of a build whose tiles do not all fit, and reads every source each time', async () => {
    const cache = new TileCache(3 * TILE * TILE * 3); // three tiles of four
    await build(cache, [0, 1, 2, 3]);
    expect((await build(cache, [0, 1, 2, 3])).loads).toEqual([0, 1, 2, 3]);
    expect(cache.bytes).toBe(0);
  });

  it('caches nothing without source keys', async () => {
    const cache = new TileCache(1_000_000);
    await build(cache, [0, 1], { sourceKey: undefined });
    expect(cache.bytes).toBe(0);
  });
});

describe('tilesHeld', () => {
  /** What tilesHeld says of the build, then how many tiles that build copied. */
  async function heldThenCopied(
    cache: TileCache,
    order: readonly number[],
    options: Partial<ComposeRequest> & { tileSize?: number } = {},
  ) {
    const placement = gridPlacement(order.length, options.tileSize ?? TILE, 0, order.length);
    const sourceKey =
      'sourceKey' in options
        ? options.sourceKey
        : (i: number) => keys[order[i] as number] as string;
    const held = tilesHeld({ placement, sourceKey, crop: options.crop }, cache);
    const { cached } = await build(cache, order, options);
    return [held, cached.filter(Boolean).length];
  }

  it('counts the tiles the same build would copy, keyed as composeGrid keys them', async () => {
    const cache = new TileCache(1_000_000);
    expect(await heldThenCopied(cache, [0, 1])).toEqual([0, 0]);
    expect(await heldThenCopied(cache, [1, 0])).toEqual([2, 2]);
    expect(await heldThenCopied(cache, [0, 1, 2])).toEqual([2, 2]);
    expect(await heldThenCopied(cache, [0, 1], { tileSize: TILE + 1 })).toEqual([0, 0]);
    expect(await heldThenCopied(cache, [0, 1], { crop: 'entropy' })).toEqual([0, 0]);
    expect(await heldThenCopied(cache, [0, 1], { sourceKey: undefined })).toEqual([0, 0]);
  });

  it('counts none of a build whose tiles would not all fit: composeGrid copies none', async () => {
    const cache = new TileCache(3 * TILE * TILE * 3);
    await build(cache, [0, 1]);
    expect(await heldThenCopied(cache, [0, 1, 2, 3])).toEqual([0, 0]);
  });
});

describe('composeGrid with a spare canvas', () => {
  it("leaves a new build's empty cells black on the canvas an earlier build filled", async () => {
    const canvas = new SpareCanvas(1_000_000);
    const photo = { bytes: photos[0] as Buffer };
    const request = {
      loadSource: async () => photo,
      format: 'png' as const,
      inFlight: 2,
      decodes: 1,
    };
    await composeGrid({ ...request, placement: gridPlacement(4, TILE, 0, 2) }, { canvas });
    const grid = await composeGrid(
      { ...request, placement: gridPlacement(3, TILE, 0, 2) },
      { canvas },
    );

    const raw = await sharp(grid).raw().toBuffer();
    // The second row's second cell: no image, and image 3's tile there in the first build.
    const lastCell = Buffer.concat(
      Array.from({ length: TILE }, (_, y) => {
        const start = ((TILE + y) * 2 * TILE + TILE) * 3;
        return raw.subarray(start, start + TILE * 3);
      }),
    );
    expect(lastCell.every((byte) => byte === 0)).toBe(true);
  });
});
