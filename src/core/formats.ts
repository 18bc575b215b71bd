/** Formats GridBuilder accepts as uploads, with the extension and type they are stored under. */
export const INPUT_FORMATS = {
  jpeg: { extension: 'jpg', contentType: 'image/jpeg' },
  png: { extension: 'png', contentType: 'image/png' },
  webp: { extension: 'webp', contentType: 'image/webp' },
  gif: { extension: 'gif', contentType: 'image/gif' },
  avif: { extension: 'avif', contentType: 'image/avif' },
  tiff: { extension: 'tiff', contentType: 'image/tiff' },
  /** HEVC-coded HEIF, an iPhone's photos: decoded by libheif in WebAssembly (heic-decoder.ts). */
  heic: { extension: 'heic', contentType: 'image/heic' },
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

/** Bytes that `sniffInputFormat` reads: a HEIF file's brands (its `ftyp` box) fit. */
export const SNIFF_BYTES = 64;

/**
 * The brands of a HEIF file (ISO BMFF): the major brand, then the compatible ones, as
 * far as `head` holds its `ftyp` box; none for anything else.
 */
function heifBrands(head: Uint8Array): string[] {
  if (head.length < 12 || ascii(head, 4, 8) !== 'ftyp') return [];
  const end = Math.min(head.length, new DataView(head.buffer, head.byteOffset).getUint32(0));
  const brands = [ascii(head, 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(head, at, at + 4));
  return brands;
}

const HEVC_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'];
const AV1_BRANDS = ['avif', 'avis'];
/** Brands of any HEIF file, image or sequence, whatever its codec. */
const GENERIC_BRANDS = ['mif1', 'msf1'];

/** A HEIF whose major brand names `codec`, or is generic with `codec` among the others. */
const heifOf = (head: Uint8Array, codec: string[], other: string[]) => {
  const [major, ...compatible] = heifBrands(head);
  if (major === undefined) return false;
  if (codec.includes(major)) return true;
  return (
    GENERIC_BRANDS.includes(major) &&
    compatible.some((brand) => codec.includes(brand)) &&
    !compatible.some((brand) => other.includes(brand))
  );
};

/** Each input format's first bytes; typed by format, so a new format cannot miss its own. */
const SIGNATURES: Record<InputFormat, (head: Uint8Array) => boolean> = {
  jpeg: (head) => head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff,
  png: (head) => ascii(head, 0, 8) === '\x89PNG\r\n\x1a\n',
  gif: (head) => ascii(head, 0, 4) === 'GIF8',
  webp: (head) => ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP',
  tiff: (head) => ['II*\0', 'MM\0*'].includes(ascii(head, 0, 4)),
  avif: (head) => heifOf(head, AV1_BRANDS, HEVC_BRANDS),
  heic: (head) => heifOf(head, HEVC_BRANDS, AV1_BRANDS),
};

/**
 * The input format whose signature begins `head` (`SNIFF_BYTES` are enough), for clients
 * that pick files before uploading: the server still checks every image fully.
 */
export const sniffInputFormat = (head: Uint8Array): InputFormat | undefined =>
  (Object.keys(SIGNATURES) as InputFormat[]).find((format) => SIGNATURES[format](head));
export const INPUT_FORMAT_NAMES = Object.keys(INPUT_FORMATS).join(', ');
export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as OutputFormat[];
