import { expect, it } from 'vitest';
import {
  COPY_MS_PER_HELD_TILE,
  type EstimatedImage,
  estimateBuildSeconds,
  FIXED_MS_PER_IMAGE,
  NS_PER_DECODED_PIXEL,
  NS_PER_STORED_BYTE,
} from '../../src/core/build-estimate.js';

const photo = (over: Partial<EstimatedImage> = {}): EstimatedImage => ({
  width: 1280,
  height: 800,
  format: 'jpeg',
  size: 150_000,
  ...over,
});
const many = (n: number, image: EstimatedImage) => Array.from({ length: n }, () => image);

it('an original: the fixed cost, its pixels at the JPEG shrink-on-load scale, its bytes', () => {
  // 800 px short side at tile 100: 1/8 scale, 160x100 pixels decoded.
  const ms =
    FIXED_MS_PER_IMAGE + (160 * 100 * NS_PER_DECODED_PIXEL + 150_000 * NS_PER_STORED_BYTE) / 1e6;
  expect(estimateBuildSeconds([photo()], 100, 1)).toBeCloseTo(ms / 1000, 9);
  // At tile 300: 1/2 scale (800 >= 2 x 300, not 4 x 300).
  const at300 =
    FIXED_MS_PER_IMAGE + (640 * 400 * NS_PER_DECODED_PIXEL + 150_000 * NS_PER_STORED_BYTE) / 1e6;
  expect(estimateBuildSeconds([photo()], 300, 1)).toBeCloseTo(at300 / 1000, 9);
});

it('other formats decode whole', () => {
  expect(estimateBuildSeconds([photo({ format: 'png' })], 100, 1)).toBeGreaterThan(
    estimateBuildSeconds([photo()], 100, 1) +
      (1280 * 800 - 160 * 100) * NS_PER_DECODED_PIXEL * 0.99e-9,
  );
});

it('reads the smallest rendition covering the tile, the original when none does', () => {
  const withRenditions = photo({ renditions: [256, 640] });
  expect(estimateBuildSeconds([withRenditions], 100, 1)).toBeLessThan(
    estimateBuildSeconds([photo()], 100, 1),
  );
  // No rendition covers a 700 px tile: the original, as without renditions.
  expect(estimateBuildSeconds([withRenditions], 700, 1)).toBe(
    estimateBuildSeconds([photo()], 700, 1),
  );
});

it('grows with the images and shrinks with the decodes at once', () => {
  const one = estimateBuildSeconds([photo()], 100, 1);
  expect(estimateBuildSeconds(many(10, photo()), 100, 1)).toBeCloseTo(10 * one, 9);
  expect(estimateBuildSeconds(many(10, photo()), 100, 2)).toBeCloseTo(5 * one, 9);
});

it("puts issue 15's AWS targets on the right side of the default 20 s budget on 2 cores", () => {
  const ready = photo({ renditions: [256, 640] });
  expect(estimateBuildSeconds(many(2000, ready), 100, 2)).toBeLessThan(20);
  expect(estimateBuildSeconds(many(10_000, ready), 100, 2)).toBeGreaterThan(20);
});

it('counts tiles the imaging holds at their copy, not their decode, and copies on one thread', () => {
  const images = many(1000, photo());
  const cold = estimateBuildSeconds(images, 100, 2);
  expect(estimateBuildSeconds(images, 100, 2, 1000)).toBeCloseTo(
    (1000 * COPY_MS_PER_HELD_TILE) / 1000,
    9,
  );
  expect(estimateBuildSeconds(images, 100, 1, 1000)).toBe(
    estimateBuildSeconds(images, 100, 2, 1000),
  );
  // One more photo: the rest held, the new one decoded.
  expect(estimateBuildSeconds(images, 100, 2, 999)).toBeCloseTo(
    cold / 1000 + (999 * COPY_MS_PER_HELD_TILE) / 1000,
    9,
  );
  expect(estimateBuildSeconds(images, 100, 2, 0)).toBe(cold);
});

it('puts a repeat of 10,000 photos at a tile size built before well within the budget', () => {
  const ready = photo({ renditions: [256, 640] });
  expect(estimateBuildSeconds(many(10_000, ready), 100, 2)).toBeGreaterThan(20);
  expect(estimateBuildSeconds(many(10_000, ready), 100, 2, 10_000)).toBeLessThan(2);
});
