import sharp, { type Metadata } from 'sharp';
import { GridBuilderError } from '../core/errors.js';
import {
  INPUT_FORMAT_NAMES,
  INPUT_FORMATS,
  type InputFormat,
  isInputFormat,
} from '../core/formats.js';
import { MemoryBudget } from '../core/memory-budget.js';
import type { ProbedImage } from '../core/ports.js';
import { openSource } from './decode.js';
import { decodeHeic } from './heic/heic-decoder.js';
import { plainJpegOrientation } from './jpeg/jpeg-header-check.js';
import { completeSequentialJpeg, jpegHeaders, type SequentialJpeg } from './jpeg/jpeg-structure.js';

/**
 * Checks that the bytes are an image GridBuilder can build from, so a stored image
 * always builds, and tells its format and its size after EXIF orientation.
 * - A complete sequential JPEG (the usual camera or phone photo): its size from its
 *   frame header; its tables, profile and orientation read in JavaScript when they are
 *   plain (`plainJpegOrientation`), otherwise from one decode of its headers alone
 *   (see `completeSequentialJpeg`). No decode of its pixels: that would cost about
 *   8 ms of CPU per 500 KB, most of an upload's cost.
 * - Anything else (other formats, progressive JPEGs, a JPEG cut short): libvips reads
 *   the header (format, size, and the pixel count, which stops decompression bombs
 *   before any decode), then one trial decode reads every compressed byte and rejects
 *   truncated data. At reduced scale where that is as strict as the build's decode;
 *   a JPEG is decoded at full scale, since libjpeg at 1/4 or 1/8 scale lets through
 *   damaged headers that other scales reject, but only its last row is kept.
 *   These decodes hold memory that grows with the pixels (a progressive JPEG's decoder
 *   keeps every coefficient, whatever the scale: 3 bytes a pixel at 4:2:0), so they
 *   share `DECODE_CHECK_BUDGET_BYTES` across concurrent checks.
 */
export async function probeImage(bytes: Buffer, maxInputPixels: number): Promise<ProbedImage> {
  if (bytes.length === 0) {
    throw new GridBuilderError(
      'invalid_request',
      'The request body is empty: send the image bytes as the body.',
      { code: 'empty_body' },
    );
  }
  const jpeg = completeSequentialJpeg(bytes);
  return jpeg ? probeSequentialJpeg(jpeg, maxInputPixels) : probeByDecoding(bytes, maxInputPixels);
}

async function probeSequentialJpeg(
  { width, height, segments, headersOnly }: SequentialJpeg,
  maxInputPixels: number,
): Promise<ProbedImage> {
  checkSize(width, height, maxInputPixels);
  if (width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
    throw new GridBuilderError(
      'unprocessable',
      `The JPEG says it is ${width}x${height}: JPEG decoders read at most ${JPEG_MAX_DIMENSION} pixels a side.`,
      { code: 'corrupt_image' },
    );
  }
  // EXIF orientations 5 to 8 turn the photo a quarter.
  const orientation = plainJpegOrientation(segments);
  const quarterTurn =
    orientation === undefined ? await decodesTurned(headersOnly, maxInputPixels) : orientation >= 5;
  return quarterTurn
    ? { format: 'jpeg', width: height, height: width, ...INPUT_FORMATS.jpeg }
    : { format: 'jpeg', width, height, ...INPUT_FORMATS.jpeg };
}

/** Decodes a headers-only copy (16x32) with the build's decoder: is it turned a quarter? */
async function decodesTurned(headersOnly: Buffer, maxInputPixels: number): Promise<boolean> {
  try {
    const decoder = await openSource(headersOnly, maxInputPixels);
    const { info } = await decoder.raw().toBuffer({ resolveWithObject: true });
    return info.width > info.height;
  } catch (error) {
    throw classifySharpError(error, maxInputPixels);
  }
}

async function probeByDecoding(bytes: Buffer, maxInputPixels: number): Promise<ProbedImage> {
  const options = { limitInputPixels: maxInputPixels, failOn: 'truncated' } as const;
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, options).metadata();
  } catch (error) {
    if (isMultipartForm(bytes)) throw multipartForm();
    throw classifySharpError(error, maxInputPixels);
  }
  const format = formatOf(metadata);
  if (!format) {
    throw new GridBuilderError(
      'unsupported_media',
      `Unsupported image format${metadata.format ? ` "${metadata.format}"` : ''}: send one of ${INPUT_FORMAT_NAMES}.`,
      { code: 'unsupported_format' },
    );
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  checkSize(width, height, maxInputPixels);
  const stored = { width: metadata.width, height: metadata.height };
  await checkDecodes.use(decoderBytes(format, bytes, stored), async () => {
    try {
      if (format === 'heic') {
        await decodeHeic(bytes, maxInputPixels); // its header is libvips', its pixels not
        return;
      }
      const trial = sharp(bytes, options);
      await (format === 'jpeg'
        ? // Every row is decoded to reach the last one; holding all of them would cost
          // 3 more bytes a pixel (300 MB for 100 MP) for nothing.
          trial.extract({ left: 0, top: stored.height - 1, width: stored.width, height: 1 })
        : trial.resize(8, 8, { fit: 'fill' })
      )
        .raw()
        .toBuffer();
    } catch (error) {
      throw classifySharpError(error, maxInputPixels);
    }
  });
  return { format, width, height, ...INPUT_FORMATS[format] };
}

/**
 * Decoder memory the trial decodes of concurrent upload checks may hold at once. With
 * the default MAX_INPUT_PIXELS (100 MP) that is three progressive 4:2:0 JPEGs of that
 * size at once, or one 4:4:4 one; before it, eight such uploads took a server to 2.5 GB.
 * A check larger than the whole budget runs alone.
 */
export const DECODE_CHECK_BUDGET_BYTES = 1024 * 1024 * 1024;

/**
 * A trial decode's peak memory, as measured with sharp 0.35.5 at reduced scale (bytes a
 * pixel): AVIF 19 (libheif decodes the whole image), GIF 5, interlaced PNG 3.2, WebP
 * and plain PNG next to nothing; TIFF and 16-bit PNG taken at their worst. HEIC: the
 * decoder thread's WebAssembly memory, 8.6 (105 MB after a 12 MP photo), and the RGBA
 * pixels handed back, 4.
 */
const DECODE_BYTES_PER_PIXEL: Record<InputFormat, number> = {
  jpeg: 6,
  png: 8,
  webp: 4,
  gif: 6,
  avif: 20,
  tiff: 8,
  heic: 13,
};

function decoderBytes(
  format: InputFormat,
  bytes: Buffer,
  { width, height }: { width: number; height: number },
): number {
  const coefficients = format === 'jpeg' ? jpegCoefficientBytes(bytes, width, height) : undefined;
  return coefficients ?? width * height * DECODE_BYTES_PER_PIXEL[format];
}

/**
 * libjpeg's whole-image coefficient buffer (a progressive or multi-scan JPEG needs it,
 * whatever the output scale): 64 two-byte coefficients a block, each component at its
 * own sampling. 3 bytes a pixel at 4:2:0, 6 at 4:4:4 (100 MP: 300 and 600 MB, measured).
 */
function jpegCoefficientBytes(jpeg: Buffer, width: number, height: number): number | undefined {
  const frame = jpegHeaders(jpeg)?.segments.find(
    ({ marker }) => marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker),
  )?.body;
  const count = frame?.[5];
  if (!frame || !count || frame.length < 6 + count * 3) return undefined;
  const sampling = Array.from({ length: count }, (_, i) => frame[7 + i * 3] as number);
  const maxH = Math.max(...sampling.map((hv) => hv >> 4));
  const maxV = Math.max(...sampling.map((hv) => hv & 15));
  if (!maxH || !maxV) return undefined;
  return sampling.reduce(
    (sum, hv) =>
      sum +
      Math.ceil((width * (hv >> 4)) / maxH / 8) * Math.ceil((height * (hv & 15)) / maxV / 8) * 128,
    0,
  );
}

/** One for the process: the memory it guards is the machine's, whichever server asks. */
const checkDecodes = new MemoryBudget(DECODE_CHECK_BUDGET_BYTES);

/** libjpeg's JPEG_MAX_DIMENSION. */
const JPEG_MAX_DIMENSION = 65_500;

function checkSize(width: number, height: number, maxInputPixels: number) {
  if (!width || !height) {
    throw new GridBuilderError('unprocessable', 'The image has no width or height.', {
      code: 'corrupt_image',
    });
  }
  if (width * height > maxInputPixels) throw tooManyPixels(maxInputPixels);
}

function formatOf(metadata: Metadata): InputFormat | undefined {
  // libheif reports AVIF and HEIC alike as "heif": AV1 is AVIF, HEVC is HEIC.
  if (metadata.format === 'heif') {
    if (metadata.compression === 'av1') return 'avif';
    return metadata.compression === 'hevc' ? 'heic' : undefined;
  }
  return metadata.format && isInputFormat(metadata.format) ? metadata.format : undefined;
}

/**
 * A body that opens like a multipart/form-data part (`curl -F file=@photo.jpg`, an HTML
 * form): a boundary line of at most 70 characters, then the part's headers. Read from
 * the body rather than the Content-Type, so the upload URL's PUT is covered too.
 */
function isMultipartForm(bytes: Buffer): boolean {
  const head = bytes.toString('latin1', 0, 1024);
  return /^--[^\r\n]{1,70}\r?\n(?:[^\r\n]*\r?\n){0,8}?content-disposition:\s*form-data/i.test(head);
}

const multipartForm = () =>
  new GridBuilderError(
    'unsupported_media',
    'The body is a multipart form upload (curl -F or an HTML form): send the raw image bytes as the whole body instead, e.g. curl --data-binary @photo.jpg (or curl -T photo.jpg for an upload URL).',
    { code: 'not_an_image' },
  );

const tooManyPixels = (limit: number) =>
  new GridBuilderError(
    'too_large',
    `The image has more than ${limit.toLocaleString('en-US')} pixels: scale it down and try again.`,
    { code: 'too_many_pixels' },
  );

function classifySharpError(error: unknown, maxInputPixels: number): GridBuilderError {
  const text = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(text)) return tooManyPixels(maxInputPixels);
  if (/unsupported image format/i.test(text)) {
    return new GridBuilderError(
      'unsupported_media',
      `The body is not an image GridBuilder can read: send one of ${INPUT_FORMAT_NAMES}.`,
      { cause: error, code: 'not_an_image' },
    );
  }
  return new GridBuilderError(
    'unprocessable',
    `The image is truncated or corrupt and cannot be decoded (${text.split('\n')[0]}).`,
    { cause: error, code: 'corrupt_image' },
  );
}
