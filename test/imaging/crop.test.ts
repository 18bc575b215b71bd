import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Crop } from '../../src/core/grid-options.js';
import { gridPlacement } from '../../src/core/layout.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { subjectNearLeftEdge } from '../support/images.js';

// How a wide photo is cut to its square tile: a bright, busy subject near its left edge
// on a flat dark ground. The lab's center crop cuts it off; libvips' attention and
// entropy strategies find it. Pixels are checked in the built grid (PNG, nothing lost).

const TILE = 64;

/** The mean red of the one tile of a 1x1 grid cut with `crop`. */
async function tileRed(source: Buffer, crop: Crop | undefined) {
  const grid = await sharpImaging.composeGrid({
    placement: gridPlacement(1, TILE, 0, 1),
    loadSource: async () => ({ bytes: source }),
    format: 'png',
    inFlight: 1,
    decodes: 1,
    ...(crop && { crop }),
  });
  const { channels } = await sharp(grid).stats();
  return channels[0]?.mean ?? 0;
}

describe('the crop of a tile', () => {
  it('center (the default, the lab’s) cuts off a subject near the edge', async () => {
    const source = await subjectNearLeftEdge();
    for (const crop of [undefined, 'center'] as const) {
      expect(await tileRed(source, crop)).toBeLessThan(20); // the ground's 12: no subject
    }
  });

  it.each(['attention', 'entropy'] as const)('%s keeps the subject near the edge', async (crop) => {
    // The 120 px subject fills 64% of the best 150 px square: a mean red of about 150
    // (subject 227, ground 12); a window that missed part of it would be well below.
    expect(await tileRed(await subjectNearLeftEdge(), crop)).toBeGreaterThan(140);
  });
});
