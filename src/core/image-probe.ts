import sharp, { type Metadata } from 'sharp';
import { renderTile } from './compose.js';
import { GridBuilderError } from './errors.js';
import { INPUT_FORMAT_NAMES, INPUT_FORMATS, type InputFormat, isInputFormat } from './formats.js';
import { HEADERS_ONLY_SIZE, headersOfCompleteSequentialJpeg } from './jpeg-structure.js';

export interface ProbedImage {
  format: InputFormat;
  /** After EXIF auto-orientation. */
  width: number;
  height: number;
  extension: string;
  contentType: string;
}

/**
 * Checks that the bytes are an image GridBuilder can build from, so a stored image
 * always builds. The header tells format, size and the pixel count (which stops
 * decompression bombs before any decode); libvips reads it, for JPEG every segment up
 * to the first scan. What the header cannot see is the compressed data:
 * - a sequential JPEG whose one scan runs to its end marker with no stray marker inside
 *   (the usual camera or phone photo): a scan of its bytes, and a decode of its headers
 *   alone through the build's own tile pipeline; see `headersOfCompleteSequentialJpeg`;
 * - anything else (other formats, progressive JPEGs, a JPEG cut short) gets one small
 *   trial decode, at reduced scale where the format allows, which still reads every
 *   compressed byte and rejects truncated data. It costs about 8 ms of CPU per
 *   500 KB JPEG, most of an upload's cost: the bench's upload workload shows it.
 */
export async function probeImage(bytes: Buffer, maxInputPixels: number): Promise<ProbedImage> {
  if (bytes.length === 0) {
    throw new GridBuilderError(
      'invalid_request',
      'The request body is empty: send the image bytes as the body.',
    );
  }
  const options = { limitInputPixels: maxInputPixels, failOn: 'truncated' } as const;
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, options).metadata();
  } catch (error) {
    throw classifySharpError(error, maxInputPixels);
  }
  const format = formatOf(metadata);
  if (!format) {
    throw new GridBuilderError(
      'unsupported_media',
      `Unsupported image format${metadata.format ? ` "${metadata.format}"` : ''}: send one of ${INPUT_FORMAT_NAMES}.`,
    );
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) {
    throw new GridBuilderError('unprocessable', 'The image has no width or height.');
  }
  if (width * height > maxInputPixels) {
    throw tooManyPixels(maxInputPixels);
  }
  const jpegHeadersOnly = format === 'jpeg' ? headersOfCompleteSequentialJpeg(bytes) : undefined;
  try {
    // At its own size: a smaller tile would make sharp open the copy twice (shrink-on-load).
    if (jpegHeadersOnly) await renderTile(jpegHeadersOnly, HEADERS_ONLY_SIZE, maxInputPixels);
    else await sharp(bytes, options).resize(8, 8, { fit: 'fill' }).raw().toBuffer();
  } catch (error) {
    throw classifySharpError(error, maxInputPixels);
  }
  return { format, width, height, ...INPUT_FORMATS[format] };
}

function formatOf(metadata: Metadata): InputFormat | undefined {
  // libheif reports AVIF and HEIC alike as "heif"; only the AV1 flavour is AVIF.
  if (metadata.format === 'heif') return metadata.compression === 'av1' ? 'avif' : undefined;
  return metadata.format && isInputFormat(metadata.format) ? metadata.format : undefined;
}

const tooManyPixels = (limit: number) =>
  new GridBuilderError(
    'too_large',
    `The image has more than ${limit.toLocaleString('en-US')} pixels: scale it down and try again.`,
  );

function classifySharpError(error: unknown, maxInputPixels: number): GridBuilderError {
  const text = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(text)) return tooManyPixels(maxInputPixels);
  if (/unsupported image format/i.test(text)) {
    return new GridBuilderError(
      'unsupported_media',
      `The body is not an image GridBuilder can read: send one of ${INPUT_FORMAT_NAMES}.`,
      { cause: error },
    );
  }
  return new GridBuilderError(
    'unprocessable',
    `The image is truncated or corrupt and cannot be decoded (${text.split('\n')[0]}).`,
    { cause: error },
  );
}
