import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CROPS, type Crop } from '../../src/core/grid-options.js';
import { gridLayout, gridSize, tileOrigin } from '../../src/core/layout.js';
import { composeGrid } from '../../src/imaging/compose.js';
import { SpareCanvas } from '../../src/imaging/spare-canvas.js';
import { type DecodedImage, decode } from '../support/image-inspection.js';
import { BLUE, GREEN, MAGENTA, RED, type Rgb, YELLOW } from '../support/images.js';

// Every combination of the options that change how a grid looks, checked pixel by
// pixel in a lossless grid: each tile where the layout puts it, in its photo's colour;
// every other pixel (gaps, border, empty cells) in the background.

const COLOURS = [RED, GREEN, BLUE, YELLOW, MAGENTA];
const hex = (rgb: Rgb) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

const solid = (colour: Rgb, width: number, height: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: colour[0], g: colour[1], b: colour[2] },
    },
  })
    .png()
    .toBuffer();

interface Look {
  count: number;
  tileSize: number;
  gap?: number;
  background?: Rgb;
  crop?: Crop;
}

const looks: Look[] = [];
for (const count of [1, 3, 5]) {
  for (const gap of [undefined, 0, 1, 5]) {
    for (const background of [
      undefined,
      [0, 0, 0] as Rgb,
      [255, 255, 255] as Rgb,
      [12, 200, 99] as Rgb,
    ]) {
      for (const crop of [undefined, ...CROPS])
        looks.push({ count, tileSize: 9, gap, background, crop });
    }
  }
}

async function build(look: Look, canvas?: SpareCanvas): Promise<DecodedImage> {
  // Sides no multiple of the tile, landscape and portrait.
  const sources = await Promise.all(
    COLOURS.slice(0, look.count).map((colour, i) =>
      solid(colour, i % 2 ? 23 : 31, i % 2 ? 37 : 17),
    ),
  );
  const { columns, rows } = gridLayout(look.count);
  const grid = await composeGrid(
    {
      count: look.count,
      loadSource: async (i) => ({ bytes: sources[i] as Buffer }),
      columns,
      rows,
      tileSize: look.tileSize,
      format: 'png',
      inFlight: 2,
      decodes: 1,
      crop: look.crop,
      gap: look.gap,
      background: look.background && hex(look.background),
    },
    { canvas },
  );
  return decode(grid);
}

/** Each pixel: the colour of the tile covering it, or the background. */
function expectLook(grid: DecodedImage, look: Look) {
  const { tileSize, gap = 0, background = [0, 0, 0] } = look;
  const layout = gridLayout(look.count);
  expect([grid.width, grid.height]).toEqual(Object.values(gridSize(layout, tileSize, gap)));
  const expected = new Map<string, Rgb>();
  for (let i = 0; i < look.count; i++) {
    const { left, top } = tileOrigin(i, layout.columns, tileSize, gap);
    for (let y = top; y < top + tileSize; y++) {
      for (let x = left; x < left + tileSize; x++) expected.set(`${x},${y}`, COLOURS[i] as Rgb);
    }
  }
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      const want = expected.get(`${x},${y}`) ?? background;
      const pixel = grid.pixel(x, y);
      if (pixel.some((value, c) => value !== want[c])) {
        expect.fail(`pixel (${x}, ${y}) is ${pixel}, not ${want}`);
      }
    }
  }
}

describe('how a grid looks, for every combination of its options', () => {
  it.each(looks.map((look) => [JSON.stringify(look), look] as const))('%s', async (_, look) => {
    expectLook(await build(look), look);
  });

  it('paints a reused canvas anew: the last build’s background never shows through', async () => {
    const canvas = new SpareCanvas(10_000_000);
    const white: Look = { count: 3, tileSize: 9, gap: 4, background: [255, 255, 255] };
    const black: Look = { count: 3, tileSize: 9, gap: 4 };
    expectLook(await build(white, canvas), white);
    expectLook(await build(black, canvas), black);
    expectLook(await build(white, canvas), white);
  });
});
