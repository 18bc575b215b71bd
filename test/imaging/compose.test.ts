import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../src/core/formats.js';
import { gridLayout, gridPlacement } from '../../src/core/layout.js';
import { composeGrid } from '../../src/imaging/compose.js';
import { type DecodedImage, decode } from '../support/image-inspection.js';
import {
  BLACK,
  BLUE,
  GREEN,
  MAGENTA,
  RED,
  type Rgb,
  rotatedImage,
  YELLOW,
} from '../support/images.js';

// composeGrid on its own, with lossless sources and output, so pixels can be compared
// exactly. The JPEG file route (shrink-on-load) is in shrink-on-load.test.ts.

/** A lossless PNG made of horizontal or vertical bands of the given colours. */
function bandedPng(colours: readonly Rgb[], width: number, height: number, across = true) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const band = across
        ? Math.floor((x * colours.length) / width)
        : Math.floor((y * colours.length) / height);
      pixels.set(colours[band] as Rgb, (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
const solidPng = (colour: Rgb, width: number, height: number) => bandedPng([colour], width, height);

interface Layout {
  columns: number;
  rows: number;
  tileSize: number;
}

async function compose(
  sources: readonly Buffer[],
  { columns, rows, tileSize }: Layout,
  format: OutputFormat = 'png',
): Promise<DecodedImage> {
  const placement = gridPlacement(sources.length, tileSize, 0, columns);
  expect(placement.rows).toBe(rows); // the layout the test means is the one composed
  const grid = await composeGrid({
    placement,
    loadSource: async (i) => ({ bytes: sources[i] as Buffer }),
    format,
    inFlight: 2,
    decodes: 1,
  });
  return decode(grid);
}

/** Every pixel of the tile at (column, row) has `colour`. */
function expectTile(grid: DecodedImage, column: number, row: number, size: number, colour: Rgb) {
  for (let y = row * size; y < (row + 1) * size; y++) {
    for (let x = column * size; x < (column + 1) * size; x++) {
      const pixel = grid.pixel(x, y);
      if (pixel.some((value, i) => value !== colour[i])) {
        expect.fail(`pixel (${x}, ${y}) of tile (${column}, ${row}) is ${pixel}, not ${colour}`);
      }
    }
  }
}

describe('composeGrid', () => {
  it('places tile i at column i % columns, row floor(i / columns), and leaves empty cells black', async () => {
    const colours = [RED, GREEN, BLUE, YELLOW, MAGENTA];
    const sources = await Promise.all(colours.map((colour) => solidPng(colour, 12, 12)));
    const grid = await compose(sources, { columns: 2, rows: 3, tileSize: 12 });

    expect([grid.width, grid.height]).toEqual([24, 36]);
    for (const [i, colour] of colours.entries())
      expectTile(grid, i % 2, Math.floor(i / 2), 12, colour);
    expectTile(grid, 1, 2, 12, BLACK);
  });

  it.each([
    [7, 2, 4],
    [10, 3, 4],
    [12, 3, 4],
  ])(
    'fills the floor(sqrt(n)) x ceil(n / columns) layout of %i images (%i x %i), the rest black',
    async (count, columns, rows) => {
      expect(gridLayout(count)).toEqual({ columns, rows });
      const sources = await Promise.all(Array.from({ length: count }, () => solidPng(GREEN, 4, 4)));
      const grid = await compose(sources, { columns, rows, tileSize: 4 });

      expect([grid.width, grid.height]).toEqual([columns * 4, rows * 4]);
      for (let cell = 0; cell < columns * rows; cell++) {
        const colour = cell < count ? GREEN : BLACK;
        expectTile(grid, cell % columns, Math.floor(cell / columns), 4, colour);
      }
    },
  );

  it('crops a landscape and a portrait source to their centre square', async () => {
    const landscape = await bandedPng([RED, GREEN, BLUE], 60, 20);
    const portrait = await bandedPng([BLUE, YELLOW, RED], 20, 60, false);
    const grid = await compose([landscape, portrait], { columns: 2, rows: 1, tileSize: 20 });

    expectTile(grid, 0, 0, 20, GREEN);
    expectTile(grid, 1, 0, 20, YELLOW);
  });

  it('scales sources whose sides are no multiple of the tile, down or up, to fill the tile', async () => {
    const sources = await Promise.all([solidPng(RED, 37, 23), solidPng(BLUE, 5, 7)]);
    const grid = await compose(sources, { columns: 2, rows: 1, tileSize: 16 });

    expect([grid.width, grid.height]).toEqual([32, 16]);
    expectTile(grid, 0, 0, 16, RED);
    expectTile(grid, 1, 0, 16, BLUE);
  });

  it('turns a source upright by its EXIF orientation', async () => {
    // Stored red left, blue right, with orientation 6: upright, red is on top.
    const grid = await compose([await rotatedImage()], { columns: 1, rows: 1, tileSize: 40 });
    const near = (pixel: Rgb, colour: Rgb) =>
      pixel.every((value, i) => Math.abs(value - (colour[i] as number)) <= 24);
    expect(near(grid.pixel(20, 5), RED), `top ${grid.pixel(20, 5)}`).toBe(true);
    expect(near(grid.pixel(20, 35), BLUE), `bottom ${grid.pixel(20, 35)}`).toBe(true);
  });

  it('puts transparent parts of a source on black', async () => {
    const transparent = await sharp({
      create: {
        width: 8,
        height: 8,
        channels: 4,
        background: { r: 255, g: 255, b: 255, alpha: 0 },
      },
    })
      .png()
      .toBuffer();
    const grid = await compose([transparent], { columns: 1, rows: 1, tileSize: 8 });
    expectTile(grid, 0, 0, 8, BLACK);
  });

  it.each(['jpeg', 'png', 'webp', 'avif'] as const)('encodes the grid as %s', async (format) => {
    const image = await composeGrid({
      placement: gridPlacement(1, 16, 0, 1),
      loadSource: async () => ({ bytes: await solidPng(RED, 8, 8) }),
      format,
      inFlight: 1,
      decodes: 1,
    });
    const expected = format === 'avif' ? 'heif' : format;
    expect(await sharp(image).metadata()).toMatchObject({
      format: expected,
      width: 16,
      height: 16,
    });
  });

  it('loads each source once, never more than inFlight at a time', async () => {
    const source = await solidPng(RED, 4, 4);
    const loads: number[] = [];
    let loading = 0;
    let mostAtOnce = 0;
    await composeGrid({
      placement: gridPlacement(9, 4, 0, 3),
      loadSource: async (i) => {
        loads.push(i);
        mostAtOnce = Math.max(mostAtOnce, ++loading);
        await Promise.resolve();
        loading--;
        return { bytes: source };
      },
      format: 'png',
      inFlight: 2,
      decodes: 1,
    });
    expect([...loads].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(mostAtOnce).toBeLessThanOrEqual(2);
  });

  it('tells of each tile once it is on the canvas, before the encode', async () => {
    const source = await solidPng(RED, 4, 4);
    const loaded: number[] = [];
    const placedAfterLoads: number[] = [];
    await composeGrid({
      placement: gridPlacement(5, 4, 0, 3),
      loadSource: async (i) => {
        loaded.push(i);
        return { bytes: source };
      },
      format: 'png',
      inFlight: 1,
      decodes: 1,
      onTile: () => placedAfterLoads.push(loaded.length),
    });
    // One at a time: tile n is placed after its own load and before the next one's.
    expect(placedAfterLoads).toEqual([1, 2, 3, 4, 5]);
  });
});
