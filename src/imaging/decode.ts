import sharp, { type Sharp } from 'sharp';
import { sniffInputFormat } from '../core/formats.js';
import { decodeHeic } from './heic/heic-decoder.js';
import { isSrgbProfile, jpegIccProfile } from './jpeg/icc-profile.js';
import { jpegFrameSize, jpegHeaders } from './jpeg/jpeg-structure.js';

/**
 * The JPEG scale (1/2, 1/4 or 1/8) libjpeg can decode a source at that still covers the
 * tile (short side over short side, long over long: the frame is not yet oriented), or 1. sharp asks for half that when the shrink's whole part is 2, 4 or 8 (800 px
 * to 100: 1/4), against rounding of libjpeg's scaled sizes that would then leave a side
 * a pixel short of the target; a cover crop needs only the short side to reach the tile,
 * which a side of at least `k` times the tile's always does at 1/k. At 1/8, libjpeg keeps one
 * average per 8x8 block and skips the inverse DCT: the 1000 @ 100 bench's decodes take
 * a third less time. Sources past the pixel limit get 1, for sharp to refuse them.
 */
export function jpegShrinkOnLoad(
  jpeg: Buffer,
  tile: { width: number; height: number },
  maxInputPixels: number,
): number {
  const headers = jpegHeaders(jpeg);
  const size = headers && jpegFrameSize(headers.segments);
  if (!size || size.width * size.height > maxInputPixels) return 1;
  const [short, long] = [size.width, size.height].sort((a, b) => a - b) as [number, number];
  const [tileShort, tileLong] = [tile.width, tile.height].sort((a, b) => a - b) as [number, number];
  return [8, 4, 2].find((k) => short >= k * tileShort && long >= k * tileLong) ?? 1;
}

/**
 * A source as the build decodes it: EXIF orientation applied, colour converted to sRGB,
 * and damaged data rendered (grey) rather than refused. The upload check decodes with
 * it too, so that what it accepts is what the build can read. `input` is what sharp
 * opens when not the bytes themselves (a file with load options); the colour check
 * reads the bytes either way. A HEIC, which sharp's libvips cannot decode (HEVC), is
 * decoded by libheif (heic/heic-decoder.ts) and handed over as its pixels.
 */
export async function openSource(
  source: Buffer,
  maxInputPixels: number,
  input: Buffer | string = source,
): Promise<Sharp> {
  if (sniffInputFormat(source) === 'heic') {
    const { width, height, rgba } = await decodeHeic(source, maxInputPixels);
    return sharp(rgba, { raw: { width, height, channels: 4 }, limitInputPixels: false });
  }
  const image = sharp(input, {
    autoOrient: true,
    limitInputPixels: maxInputPixels,
    failOn: 'none',
  });
  // An sRGB source is already in the output's colour space: skip the ICC transform
  // (identical pixels; the bench's 1000 @ 100 on photos with an sRGB profile shows it).
  // JPEG headers are read here in JavaScript, saving a libvips metadata call per tile.
  const icc = jpegIccProfile(source);
  if (isSrgbProfile(icc === undefined ? (await image.metadata()).icc : (icc ?? undefined))) {
    image.keepIccProfile();
  }
  return image;
}
