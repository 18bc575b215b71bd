import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

export const SMALL_WIDTH = 320;
export const SMALL_HEIGHT = 200;
/** Tints a base photo gets: bases x tints distinct images. */
const TINTS = 100;

/**
 * Distinct small JPEGs of photo-like content (about 10 KB each, not a few hundred bytes
 * of one colour): the bench's ~1280x800 photos scaled to 320x200 once, then image `i`
 * is base `i % bases` tinted by `i / bases`, encoded anew.
 */
export async function smallImageMaker(photos: readonly string[]) {
  const bases = await Promise.all(
    [...new Set(photos)].map(async (file) =>
      sharp(await readFile(file))
        .rotate()
        .resize(SMALL_WIDTH, SMALL_HEIGHT, { fit: 'cover' })
        .removeAlpha()
        .raw()
        .toBuffer(),
    ),
  );
  const capacity = bases.length * TINTS;
  return {
    capacity,
    make(i: number): Promise<Buffer> {
      if (i >= capacity) throw new Error(`only ${capacity} distinct small images`);
      const tint = Math.floor(i / bases.length);
      const offset = [(tint % 10) * 4 - 18, Math.floor(tint / 10) * 4 - 18, 9 - (tint % 7) * 3];
      return sharp(bases[i % bases.length], {
        raw: { width: SMALL_WIDTH, height: SMALL_HEIGHT, channels: 3 },
      })
        .linear([1, 1, 1], offset)
        .jpeg({ quality: 85 })
        .toBuffer();
    },
  };
}
