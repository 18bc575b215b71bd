/** Formats GridBuilder accepts as uploads, with the extension and type they are stored under. */
export const INPUT_FORMATS = {
  jpeg: { extension: 'jpg', contentType: 'image/jpeg' },
  png: { extension: 'png', contentType: 'image/png' },
  webp: { extension: 'webp', contentType: 'image/webp' },
  gif: { extension: 'gif', contentType: 'image/gif' },
  avif: { extension: 'avif', contentType: 'image/avif' },
  tiff: { extension: 'tiff', contentType: 'image/tiff' },
} as const;
export type InputFormat = keyof typeof INPUT_FORMATS;

/**
 * Formats a grid can be built in. `maxDimension` is the encoder's own limit on
 * width or height (libjpeg 65535, libwebp 16383, AVIF as libheif allows by default).
 * `bytesPerPixel` is a build's peak memory per output pixel: the raw canvas (3) and
 * the encoder's own buffers, measured here with sharp 0.35.5 (peak RSS over the
 * canvas, 16 to 150 MP canvases): JPEG 3.4, PNG 5.8, WebP 15.3, AVIF 35.8 (40 seen
 * on a 144 MP build). They set each format's share of MAX_OUTPUT_PIXELS.
 */
export const OUTPUT_FORMATS = {
  jpeg: { extension: 'jpg', contentType: 'image/jpeg', maxDimension: 65_535, bytesPerPixel: 4 },
  png: { extension: 'png', contentType: 'image/png', maxDimension: 2 ** 31 - 1, bytesPerPixel: 6 },
  webp: { extension: 'webp', contentType: 'image/webp', maxDimension: 16_383, bytesPerPixel: 16 },
  avif: { extension: 'avif', contentType: 'image/avif', maxDimension: 16_384, bytesPerPixel: 40 },
} as const;
export type OutputFormat = keyof typeof OUTPUT_FORMATS;

export const isInputFormat = (value: string): value is InputFormat => value in INPUT_FORMATS;
export const INPUT_FORMAT_NAMES = Object.keys(INPUT_FORMATS).join(', ');
export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as OutputFormat[];
