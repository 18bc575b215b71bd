import type { Sharp } from 'sharp';
import { jpegShrinkOnLoad, openSource } from './decode.js';

/** A tile is raw RGB, like the canvas the grid copies it into. */
export const CHANNELS = 3;

/**
 * Auto-orient, center-crop to a square, resize, drop alpha onto black: `tileSize^2 * 3`
 * bytes. Given the source's `file` too, a JPEG is decoded from it at the scale
 * `jpegShrinkOnLoad` picks; should the file be gone (its image deleted during the
 * build), the bytes in hand still make the tile.
 */
export async function renderTile(
  source: Buffer,
  tileSize: number,
  maxInputPixels: number,
  file?: string,
): Promise<Buffer> {
  const shrink = file === undefined ? 1 : jpegShrinkOnLoad(source, tileSize, maxInputPixels);
  if (shrink > 1) {
    const input = `${file}[shrink=${shrink}]`; // libvips reads load options from the name
    const tile = await openSource(source, maxInputPixels, input)
      .then((image) => toTile(image, tileSize))
      .catch(() => undefined);
    if (tile) return tile;
  }
  return toTile(await openSource(source, maxInputPixels), tileSize);
}

const toTile = (image: Sharp, tileSize: number) =>
  image
    .resize(tileSize, tileSize, { fit: 'cover', position: 'centre' })
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
