import sharp from 'sharp';
import { MAX_INPUT_PIXELS_CEILING } from '../core/grid-options.js';
import type { Rendition, SourceImage } from '../core/ports.js';
import { openSource } from './decode.js';
import { CHANNELS } from './tile.js';

/**
 * Renditions of a stored image, all from one decode: upright, sRGB, transparency on
 * black (as the grid's tiles, so a tile cut from a rendition matches one cut from the
 * original), decoded straight to the largest size (libvips' own shrink-on-load), the
 * others resized from that. Each has its size as its short side and is encoded as a
 * JPEG, which a build decodes with shrink-on-load when it needs less. Not the build's
 * more aggressive shrink (`jpegShrinkOnLoad`, from the file): on detailed images it
 * moved tiles by a mean of 5-20/255 from the full decode's, which a rendition would
 * then carry into every build.
 * Baseline libjpeg-turbo at q85 without chroma subsampling: mozjpeg's encode took 13x
 * as long for 12% fewer bytes and decoded slower (progressive); subsampling the chroma
 * a second time was most of the difference between tiles from renditions and from
 * originals (mean 2.0 against 1.5 on 16 photos at tile 100).
 */
export async function renditionsOf(
  { bytes }: SourceImage,
  sizes: readonly number[],
): Promise<Rendition[]> {
  if (sizes.length === 0) return [];
  const largest = Math.max(...sizes);
  const { data, info } = await (await openSource(bytes, MAX_INPUT_PIXELS_CEILING))
    .resize(largest, largest, { fit: 'outside' })
    .flatten({ background: '#000000' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Promise.all(
    sizes.map(async (size) => ({
      size,
      bytes: await sharp(data, {
        raw: { width: info.width, height: info.height, channels: CHANNELS },
        limitInputPixels: false,
      })
        .resize(size, size, { fit: 'outside' })
        .jpeg({ quality: 85, chromaSubsampling: '4:4:4' })
        .toBuffer(),
    })),
  );
}
