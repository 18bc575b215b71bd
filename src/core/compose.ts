import pLimit from 'p-limit';
import sharp, { type Sharp } from 'sharp';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.js';
import { MAX_INPUT_PIXELS_CEILING } from './grid-options.js';
import { isSrgbProfile, jpegIccProfile } from './icc-profile.js';
import { jpegFrameSize, jpegHeaders } from './jpeg-structure.js';
import { tileOrigin } from './layout.js';

export interface ComposeRequest {
  /** How many tiles; `loadSource(i)` is called once for each i in [0, count). */
  count: number;
  loadSource: (index: number) => Promise<TileSource>;
  columns: number;
  rows: number;
  tileSize: number;
  format: OutputFormat;
  /** Sources fetched or decoding at once; bounds memory to this many compressed sources. */
  inFlight: number;
  /** Decodes at once; more than the cores only queues in libuv's pool. */
  decodes: number;
}

/** A source image's bytes and, when the store keeps them as a file, that file. */
export interface TileSource {
  bytes: Buffer;
  /** Lets libjpeg shrink a JPEG on load further than sharp asks it to: see `jpegShrinkOnLoad`. */
  file?: string;
}

const CHANNELS = 3;

/**
 * Builds the grid image. Each source is decoded straight to a tile (shrink-on-load
 * for JPEG and WebP picks the smallest scale that still covers the tile), copied into
 * one raw RGB canvas and dropped, so memory grows with the canvas, not with the
 * number or size of the sources. One encode at the end. Sources are stored images,
 * decoded under `MAX_INPUT_PIXELS_CEILING`, not today's upload limit.
 */
export async function composeGrid(request: ComposeRequest): Promise<Buffer> {
  const { count, columns, rows, tileSize } = request;
  const width = columns * tileSize;
  const height = rows * tileSize;
  const canvas = Buffer.alloc(width * height * CHANNELS); // zero-filled: empty cells are black
  const pipeline = pLimit(request.inFlight);
  const decode = pLimit(request.decodes);

  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      pipeline(async () => {
        const { bytes, file } = await request.loadSource(index);
        const tile = await decode(() =>
          renderTile(bytes, tileSize, MAX_INPUT_PIXELS_CEILING, file),
        );
        const { left, top } = tileOrigin(index, columns, tileSize);
        copyTile(tile, canvas, width, left, top, tileSize);
      }),
    ),
  );

  return encode(canvas, width, height, request.format);
}

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

/**
 * The JPEG scale (1/2, 1/4 or 1/8) libjpeg can decode a source at that still covers the
 * tile, or 1. sharp asks for half that when the shrink's whole part is 2, 4 or 8 (800 px
 * to 100: 1/4), against rounding of libjpeg's scaled sizes that would then leave a side
 * a pixel short of the target; a cover crop needs only the short side to reach the tile,
 * which a side of at least `k * tileSize` always does at 1/k. At 1/8, libjpeg keeps one
 * average per 8x8 block and skips the inverse DCT: the 1000 @ 100 bench's decodes take
 * a third less time. Sources past the pixel limit get 1, for sharp to refuse them.
 */
export function jpegShrinkOnLoad(jpeg: Buffer, tileSize: number, maxInputPixels: number): number {
  const headers = jpegHeaders(jpeg);
  const size = headers && jpegFrameSize(headers.segments);
  if (!size || size.width * size.height > maxInputPixels) return 1;
  const shortSide = Math.min(size.width, size.height);
  return [8, 4, 2].find((k) => shortSide >= k * tileSize) ?? 1;
}

/**
 * A source as the build decodes it: EXIF orientation applied, colour converted to sRGB,
 * and damaged data rendered (grey) rather than refused. The upload check decodes with
 * it too, so that what it accepts is what the build can read. `input` is what sharp
 * opens when not the bytes themselves (a file with load options); the colour check
 * reads the bytes either way.
 */
export async function openSource(
  source: Buffer,
  maxInputPixels: number,
  input: Buffer | string = source,
): Promise<Sharp> {
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

function copyTile(
  tile: Buffer,
  canvas: Buffer,
  canvasWidth: number,
  left: number,
  top: number,
  tileSize: number,
) {
  const rowBytes = tileSize * CHANNELS;
  for (let y = 0; y < tileSize; y++) {
    tile.copy(
      canvas,
      ((top + y) * canvasWidth + left) * CHANNELS,
      y * rowBytes,
      (y + 1) * rowBytes,
    );
  }
}

function encode(
  canvas: Buffer,
  width: number,
  height: number,
  format: OutputFormat,
): Promise<Buffer> {
  const image = sharp(canvas, {
    raw: { width, height, channels: CHANNELS },
    limitInputPixels: false,
  });
  switch (format) {
    case 'jpeg':
      // No Huffman optimisation: it makes libjpeg buffer the coefficients of the whole
      // image (about twice the raw canvas for a big grid) and code it twice, for files
      // only a few percent smaller. The bench's 1000 @ 300 shows both.
      return image.jpeg({ quality: 85, optimiseCoding: false }).toBuffer();
    case 'png':
      return image.png({ compressionLevel: 6 }).toBuffer();
    case 'webp':
      return image.webp({ quality: 85 }).toBuffer();
    case 'avif':
      return image.avif({ quality: 60, effort: 2 }).toBuffer();
  }
}

export const contentTypeOf = (format: OutputFormat) => OUTPUT_FORMATS[format].contentType;
