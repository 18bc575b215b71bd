import { describe, expect, it } from 'vitest';
import { CROPS, type Crop, type Layout } from '../../src/core/grid-options.js';
import {
  type Box,
  defaultWidth,
  gridLayout,
  labelHeight,
  placeTiles,
  withLabelBands,
} from '../../src/core/layout.js';
import { composeGrid } from '../../src/imaging/compose.js';
import { SpareCanvas } from '../../src/imaging/spare-canvas.js';
import { type DecodedImage, decode } from '../support/image-inspection.js';
import { BLUE, GREEN, MAGENTA, RED, type Rgb, solidImage, YELLOW } from '../support/images.js';

// Every combination of the options that change how a grid looks, checked pixel by
// pixel in a lossless grid: each tile where the layout puts it, in its photo's colour;
// every other pixel (gaps, border, empty cells, the end of a justified last row) in the
// background. Justified rows: of equal heights, each photo at its aspect ratio.

const COLOURS: Rgb[] = [
  RED,
  GREEN,
  BLUE,
  YELLOW,
  MAGENTA,
  [0, 200, 200],
  [250, 140, 0],
  [120, 60, 10],
];
/** Sides no multiple of the tile, landscape, portrait, square and wide, in no sorted order. */
const SIZES = [
  [31, 17],
  [23, 37],
  [40, 40],
  [64, 16],
  [18, 30],
  [33, 22],
  [25, 50],
  [45, 20],
] as const;
const aspectOf = (i: number) => (SIZES[i]?.[0] as number) / (SIZES[i]?.[1] as number);
const hex = (rgb: Rgb) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

const solid = (colour: Rgb, width: number, height: number) =>
  solidImage(colour, width, height, 'png');

interface Look {
  layout?: Layout;
  /** The justified layout's. */
  width?: number;
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
for (const count of [1, 3, 5, 8]) {
  for (const gap of [undefined, 0, 1, 5]) {
    for (const background of [undefined, [255, 255, 255] as Rgb, [12, 200, 99] as Rgb]) {
      for (const [width, crop] of [
        [undefined, undefined],
        [60, undefined],
        [60, 'attention'],
        [97, 'entropy'],
      ] as const) {
        looks.push({ layout: 'justified', width, count, tileSize: 9, gap, background, crop });
      }
    }
  }
}

async function build(look: Look, canvas?: SpareCanvas): Promise<DecodedImage> {
  const sources = await Promise.all(
    COLOURS.slice(0, look.count).map((colour, i) =>
      solid(colour, ...(SIZES[i] as [number, number])),
    ),
  );
  const grid = await composeGrid(
    {
      placement: placementOf(look),
      loadSource: async (i) => ({ bytes: sources[i] as Buffer }),
      format: 'png',
      inFlight: 2,
      decodes: 1,
      crop: look.crop,
      background: look.background && hex(look.background),
    },
    { canvas },
  );
  return decode(grid);
}

function placementOf({ layout = 'grid', count, tileSize, gap = 0, width }: Look) {
  const aspects = Array.from({ length: count }, (_, i) => aspectOf(i));
  const { columns } = gridLayout(count);
  return placeTiles(aspects, {
    layout,
    tileSize,
    columns,
    gap,
    width: width ?? defaultWidth(aspects, { tileSize, gap }),
  });
}

/** Each pixel: the colour of the tile covering it, or the background. */
function expectLook(grid: DecodedImage, look: Look) {
  const { background = [0, 0, 0] } = look;
  const placement = placementOf(look);
  expect([grid.width, grid.height]).toEqual([placement.width, placement.height]);
  const expected = new Map<string, Rgb>();
  for (const [i, { left, top, width, height }] of placement.boxes.entries()) {
    for (let y = top; y < top + height; y++) {
      for (let x = left; x < left + width; x++) expected.set(`${x},${y}`, COLOURS[i] as Rgb);
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
  if (look.layout === 'justified') expectJustified(placement.boxes, look);
}

/** The boxes the pixels were checked against: rows of equal height, photos at their aspect. */
function expectJustified(boxes: readonly Box[], { width = 0, gap = 0 }: Look) {
  const rows = new Map<number, Box[]>();
  for (const box of boxes) rows.set(box.top, [...(rows.get(box.top) ?? []), box]);
  for (const row of rows.values()) {
    expect(new Set(row.map((box) => box.height)).size).toBe(1);
  }
  for (const [i, box] of boxes.entries()) {
    const aspect = aspectOf(i);
    // A width of 1 px at least, and whole pixels: within 1 + aspect / 2 of the exact.
    if (box.height > 1)
      expect(Math.abs(box.width - aspect * box.height)).toBeLessThanOrEqual(1 + aspect / 2);
  }
  if (width > 0 && rows.size > 1) {
    const first = [...rows.values()][0] as Box[];
    const last = first.at(-1) as Box;
    expect(last.left + last.width + gap).toBe(width);
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

describe('labels under the photos', () => {
  const NAMES = ['beach.jpg', undefined, 'a-rather-long-name-of-a-holiday-photo.jpg'];
  const labelled: Array<Look & { labelled: true }> = [];
  for (const layout of ['grid', 'justified'] as const) {
    for (const gap of [0, 4]) {
      for (const background of [[255, 255, 255] as Rgb, [0, 0, 0] as Rgb]) {
        labelled.push({ layout, count: 3, tileSize: 48, gap, background, labelled: true });
      }
    }
  }

  async function buildLabelled(look: Look) {
    const sources = await Promise.all(
      COLOURS.slice(0, look.count).map((colour, i) =>
        solid(colour, ...(SIZES[i] as [number, number])),
      ),
    );
    const placement = labelledPlacement(look);
    const grid = await composeGrid({
      placement,
      loadSource: async (i) => ({ bytes: sources[i] as Buffer }),
      label: (i) => NAMES[i],
      format: 'png',
      inFlight: 2,
      decodes: 1,
      background: look.background && hex(look.background),
    });
    return { grid: await decode(grid), placement };
  }

  const labelledPlacement = (look: Look) =>
    withLabelBands(placementOf(look), labelHeight('name', look.tileSize));

  it.each(labelled.map((look) => [JSON.stringify(look), look] as const))(
    'each name under its own photo, nothing else changed: %s',
    async (_, look) => {
      const { grid, placement } = await buildLabelled(look);
      const background = look.background as Rgb;
      const band = placement.labelHeight as number;
      expect(band).toBe(16);
      expect([grid.width, grid.height]).toEqual([placement.width, placement.height]);
      const owner = new Map<string, string>();
      for (const [i, box] of placement.boxes.entries()) {
        for (let y = box.top; y < box.top + box.height + band; y++) {
          for (let x = box.left; x < box.left + box.width; x++)
            owner.set(`${x},${y}`, y < box.top + box.height ? `tile ${i}` : `label ${i}`);
        }
      }
      const inked = new Map<string, number>();
      for (let y = 0; y < grid.height; y++) {
        for (let x = 0; x < grid.width; x++) {
          const pixel = grid.pixel(x, y);
          const where = owner.get(`${x},${y}`);
          const tile = where?.startsWith('tile ') ? COLOURS[Number(where.slice(5))] : undefined;
          const want = tile ?? background;
          const same = pixel.every((value, c) => value === want[c]);
          if (where?.startsWith('label ')) {
            if (!same) inked.set(where, (inked.get(where) ?? 0) + 1);
          } else if (!same) {
            expect.fail(`pixel (${x}, ${y}) ${where ?? 'outside'} is ${pixel}, not ${want}`);
          }
        }
      }
      // Names are written (the long one cut to fit), an image without one has a bare band.
      expect(inked.get('label 0') ?? 0).toBeGreaterThan(20);
      expect(inked.get('label 1') ?? 0).toBe(0);
      expect(inked.get('label 2') ?? 0).toBeGreaterThan(20);
    },
  );
});
