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

const ascii = (head: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...head.subarray(from, to));

/** Each input format's first bytes; typed by format, so a new format cannot miss its own. */
const SIGNATURES: Record<InputFormat, (head: Uint8Array) => boolean> = {
  jpeg: (head) => head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff,
  png: (head) => ascii(head, 0, 8) === '\x89PNG\r\n\x1a\n',
  gif: (head) => ascii(head, 0, 4) === 'GIF8',
  webp: (head) => ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP',
  tiff: (head) => ['II*\0', 'MM\0*'].includes(ascii(head, 0, 4)),
  avif: (head) => ascii(head, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(head, 8, 12)),
};

/**
 * The input format whose signature begins `head` (16 bytes are enough), for clients
 * that pick files before uploading: the server still checks every image fully.
 */
export const sniffInputFormat = (head: Uint8Array): InputFormat | undefined =>
  (Object.keys(SIGNATURES) as InputFormat[]).find((format) => SIGNATURES[format](head));
export const INPUT_FORMAT_NAMES = Object.keys(INPUT_FORMATS).join(', ');
export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as OutputFormat[];
