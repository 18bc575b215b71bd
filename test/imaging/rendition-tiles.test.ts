import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Crop } from '../../src/core/grid-options.js';
import { gridPlacement } from '../../src/core/layout.js';
import type { SourceImage } from '../../src/core/ports.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { naturalPhotoJpeg } from '../support/images.js';

// Tiles a build cuts from a rendition against those it cuts from the original, both
// through the build's own path (composeGrid, sources read from files as the local store
// hands them over, so with JPEG shrink-on-load), on photo-like images of sizes that are
// not multiples of the tile, some stored turned with an EXIF orientation.

const PHOTOS = [
  { width: 1279, height: 797, seed: 1 },
  { width: 1279, height: 797, seed: 2, orientation: 6 },
  { width: 2560, height: 1600, seed: 3 },
  { width: 2560, height: 1600, seed: 4, orientation: 6 },
];

let dir: string;
let originals: Buffer[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gridbuilder-rendition-tiles-'));
  originals = await Promise.all(
    PHOTOS.map(({ width, height, ...options }) => naturalPhotoJpeg(width, height, options)),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** As the local store gives a source: its bytes and the file that holds them. */
function stored(name: string, bytes: Buffer): SourceImage {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return { bytes, file };
}

/** The one tile of a 1x1 grid built from `source`, as raw RGB (PNG: nothing lost on the way out). */
async function builtTile(source: SourceImage, tileSize: number, crop: Crop): Promise<Buffer> {
  const grid = await sharpImaging.composeGrid({
    placement: gridPlacement(1, tileSize),
    loadSource: async () => source,
    format: 'png',
    crop,
    inFlight: 1,
    decodes: 1,
  });
  return sharp(grid).removeAlpha().raw().toBuffer();
}

const meanAbsoluteDifference = (a: Buffer, b: Buffer) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
};

// Smart crops choose their window on the image resized to the tile's short side, from
// the rendition or from the original: on these photos the same window. On real photos
// a near tie between two windows can go the other way (../shared/photos, 16 photos:
// tile 100 from 256, 2 moved with attention and 2 with entropy; tile 300 from 640, 1
// with entropy; mean differences of those 8.6 to 35, the others as small as center's;
// see the report of issue 17): such a tile is another good window of the strategy.
describe.each(
  (['center', 'attention', 'entropy'] as const).flatMap((crop) => [
    { tileSize: 100, rendition: 256, crop },
    { tileSize: 300, rendition: 640, crop },
  ]),
)(
  'at tile $tileSize, from the $rendition px rendition, crop $crop',
  ({ tileSize, rendition, crop }) => {
    test('tiles differ from those of the originals by a mean under 2/255', async () => {
      const differences: number[] = [];
      for (const [i, bytes] of originals.entries()) {
        const [made] = await sharpImaging.renditions({ bytes }, [rendition]);
        const fromOriginal = await builtTile(stored(`${i}.jpg`, bytes), tileSize, crop);
        const fromRendition = await builtTile(
          stored(`${i}-${rendition}.jpg`, made?.bytes as Buffer),
          tileSize,
          crop,
        );
        differences.push(meanAbsoluteDifference(fromOriginal, fromRendition));
      }
      const mean = differences.reduce((a, b) => a + b, 0) / differences.length;
      expect(mean).toBeLessThan(2);
      // Not one far off either: the worst measured was 2.5 (a 1279x797 original at tile
      // 300, whose own decode is shrunk on load by 1/2; see the report of issue 15).
      expect(Math.max(...differences)).toBeLessThan(3);
    });
  },
);
