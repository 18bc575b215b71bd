import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { naturalPhotoJpeg } from './images.js';

/**
 * The committed HEIC fixtures (test/fixtures/heic, made by make-fixtures.ts there) and
 * the generated photos they were encoded from, which tests regenerate to compare pixels:
 * - photo.heic: `photo`, 480x320.
 * - turned.heic: `turned` stored a quarter turn left (320x480) with an `irot` of 270
 *   degrees, which turns it back, and an EXIF orientation of 6 that says the same again
 *   (as an iPhone writes both): upright only when `irot` alone is applied.
 * - two-images.heic: `photo` then `second` (320x240), the second marked primary.
 */
export const HEIC_SOURCES = {
  photo: () => naturalPhotoJpeg(480, 320, { seed: 3 }),
  turned: () => naturalPhotoJpeg(480, 320, { seed: 4 }),
  second: () => naturalPhotoJpeg(320, 240, { seed: 5 }),
};

export type HeicFixture = 'photo' | 'turned' | 'two-images';

export const heicFixture = (name: HeicFixture): Promise<Buffer> =>
  readFile(new URL(`../fixtures/heic/${name}.heic`, import.meta.url));

/** Mean absolute difference (0-255) between two images of one size, as raw RGB. */
export async function meanDifference(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all(
    [a, b].map((image) => sharp(image).removeAlpha().raw().toBuffer()),
  );
  if (!x || !y || x.length !== y.length) throw new Error('the images differ in size');
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs((x[i] as number) - (y[i] as number));
  return sum / x.length;
}
