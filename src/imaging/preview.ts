import { MAX_INPUT_PIXELS_CEILING } from '../core/grid-options.js';
import { jpegShrinkOnLoad, openSource } from './decode.js';
import { square } from './tile.js';

/** A preview's short side: a thumbnail of about 160 CSS px, sharp on a 2x screen. */
export const PREVIEW_SIDE = 320;

/**
 * A small JPEG of a stored image for people to look at: upright, sRGB, transparency on
 * black as in the grid, never enlarged. A JPEG is decoded from its `file` at the scale
 * libjpeg can shrink to on load, so a 12 MP photo costs a fraction of a full decode.
 */
export async function previewOf(source: Buffer, file: string): Promise<Buffer> {
  const shrink = jpegShrinkOnLoad(source, square(PREVIEW_SIDE), MAX_INPUT_PIXELS_CEILING);
  const input = shrink > 1 ? `${file}[shrink=${shrink}]` : source;
  const image = await openSource(source, MAX_INPUT_PIXELS_CEILING, input);
  return image
    .resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'outside', withoutEnlargement: true })
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .jpeg({ quality: 80, mozjpeg: true })
    .toBuffer();
}
