import sharp, { type Sharp } from 'sharp';
import { type Crop, DEFAULT_CROP } from '../core/grid-options.js';
import type { Box } from '../core/layout.js';
import { jpegShrinkOnLoad, openSource } from './decode.js';

/** A tile is raw RGB, like the canvas the grid copies it into. */
export const CHANNELS = 3;

/** sharp's `position` for each crop of a cover resize. */
const POSITIONS: Record<Crop, string | number> = {
  center: 'centre',
  attention: sharp.strategy.attention,
  entropy: sharp.strategy.entropy,
};

/** A tile's size: its box's. */
export type TileSize = Pick<Box, 'width' | 'height'>;

/** The size of a square tile, the grid layout's. */
export const square = (side: number): TileSize => ({ width: side, height: side });

/**
 * Auto-orient, crop to the box's shape (`crop`), resize, drop alpha onto black:
 * `width * height * 3` bytes. Given the source's `file` too, a JPEG is decoded from it at the scale
 * `jpegShrinkOnLoad` picks; should the file be gone (its image deleted during the
 * build), the bytes in hand still make the tile.
 */
export async function renderTile(
  source: Buffer,
  tileSize: TileSize,
  maxInputPixels: number,
  file?: string,
  crop: Crop = DEFAULT_CROP,
): Promise<Buffer> {
  const shrink = file === undefined ? 1 : jpegShrinkOnLoad(source, tileSize, maxInputPixels);
  if (shrink > 1) {
    const input = `${file}[shrink=${shrink}]`; // libvips reads load options from the name
    const tile = await openSource(source, maxInputPixels, input)
      .then((image) => toTile(image, tileSize, crop))
      .catch(() => undefined);
    if (tile) return tile;
  }
  return toTile(await openSource(source, maxInputPixels), tileSize, crop);
}

const toTile = (image: Sharp, { width, height }: TileSize, crop: Crop) =>
  image
    .resize(width, height, { fit: 'cover', position: POSITIONS[crop] })
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
