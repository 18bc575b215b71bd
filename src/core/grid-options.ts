import { GridBuilderError } from './errors.js';
import { OUTPUT_FORMAT_NAMES, OUTPUT_FORMATS, type OutputFormat } from './formats.js';

/** Ranges for the options of a build; the HTTP schema and the docs quote these. */
export const TILE_SIZE_RANGE = { min: 8, max: 4096 } as const;
export const COLUMNS_RANGE = { min: 1, max: 1000 } as const;

/**
 * How a photo is cut to its square tile: `center` is the lab's; `attention` and
 * `entropy` are libvips' smart crops (the most salient, or the busiest, square).
 */
export const CROPS = ['center', 'attention', 'entropy'] as const;
export type Crop = (typeof CROPS)[number];
export const DEFAULT_CROP: Crop = 'center';

/**
 * How photos are placed: `grid` is the lab's (square tiles, cropped); `justified` keeps
 * every photo whole in rows of equal height (src/core/layout.ts justifiedPlacement).
 */
export const LAYOUTS = ['grid', 'justified'] as const;
export type Layout = (typeof LAYOUTS)[number];
export const DEFAULT_LAYOUT: Layout = 'grid';

/** The justified layout's target width, gaps included (and at least `2 * gap + 1`). */
export const WIDTH_RANGE = { min: 16, max: 65_535 } as const;

/**
 * Why `width` cannot hold a justified row with these gaps (a photo needs a pixel between
 * the gaps around it), or undefined when it can.
 */
export function justifiedWidthProblem(width: number, gap: number): string | undefined {
  const least = 2 * gap + 1;
  return width >= least
    ? undefined
    : `width must be at least ${least} with gap=${gap} (a pixel of photo between the gaps around it): ask for a larger width or a smaller gap.`;
}

/**
 * What is written under each photo, like montage's `-label %f`: nothing (the lab's) or
 * the image's file name (an image stored without one gets an empty band).
 */
export const LABELS = ['none', 'name'] as const;
export type Labels = (typeof LABELS)[number];
export const DEFAULT_LABELS: Labels = 'none';

/** Pixels between tiles and around the grid, like montage's `-geometry +N+N`; 0 is the lab's look. */
export const GAP_RANGE = { min: 0, max: 256 } as const;

/** The colour of the gaps and of empty cells, `#rrggbb`; black is the lab's. */
export const DEFAULT_BACKGROUND = '#000000';

const HEX_COLOUR = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * `#rrggbb` for a colour written as 3 or 6 hex digits, with or without `#` (in a URL a
 * bare `#` starts the fragment: curl and browsers drop what follows, so `rrggbb` and
 * `%23rrggbb` both work); undefined for anything else.
 */
export function parseBackground(value: string): string | undefined {
  const digits = HEX_COLOUR.exec(value.trim())?.[1]?.toLowerCase();
  if (digits === undefined) return undefined;
  const six = digits.length === 3 ? [...digits].map((digit) => digit + digit).join('') : digits;
  return `#${six}`;
}

/**
 * The highest MAX_INPUT_PIXELS the configuration accepts, and the limit a build decodes
 * stored images under. MAX_INPUT_PIXELS guards new uploads only: an image stored while
 * the limit was higher must still build after it is lowered, and every stored image
 * was accepted under some limit no higher than this.
 */
export const MAX_INPUT_PIXELS_CEILING = 1_000_000_000;

export interface GridOptions {
  tileSize?: number | undefined;
  columns?: number | undefined;
  format?: OutputFormat | undefined;
  crop?: Crop | undefined;
  gap?: number | undefined;
  /** `#rrggbb` (see parseBackground). */
  background?: string | undefined;
  layout?: Layout | undefined;
  /** The justified layout's width; the square grid's when not given. */
  width?: number | undefined;
  labels?: Labels | undefined;
}

export interface OutputLimits {
  /** The largest JPEG grid; other formats get the share their encoder's memory allows. */
  maxOutputPixels: number;
}

/**
 * The most pixels a grid in `format` may have: MAX_OUTPUT_PIXELS for JPEG, less for the
 * formats whose encoders need more memory a pixel, so that a build in any format holds
 * no more than a JPEG build of MAX_OUTPUT_PIXELS (about 4 bytes a pixel: 600 MB at the
 * default 150 MP) and MAX_CONCURRENT_BUILDS builds no more than that many times it.
 * Without it, one 144 MP AVIF build took 5.8 GB and 5 minutes of CPU.
 */
export function outputPixelLimit(format: OutputFormat, limits: OutputLimits): number {
  const { bytesPerPixel } = OUTPUT_FORMATS[format];
  return Math.floor((limits.maxOutputPixels * OUTPUT_FORMATS.jpeg.bytesPerPixel) / bytesPerPixel);
}

/** Rejects a grid whose output no encoder or configured limit allows, before any work. */
export function checkOutputSize(
  width: number,
  height: number,
  format: OutputFormat,
  limits: OutputLimits,
  layout: Layout = DEFAULT_LAYOUT,
) {
  // A justified grid's size follows its row height and width; columns only set the default width.
  const resize = ['a smaller tileSize', layout === 'justified' ? 'width' : 'fewer columns'];
  const fits = (other: OutputFormat) =>
    Math.max(width, height) <= OUTPUT_FORMATS[other].maxDimension &&
    width * height <= outputPixelLimit(other, limits);
  // Only the formats this very grid would fit in; none when the size itself must change.
  const others = OUTPUT_FORMAT_NAMES.filter((other) => other !== format && fits(other));
  const change = others.length
    ? `use ${resize.join(', ')}, or format=${orList(others)}`
    : `use ${resize.join(' or ')}`;
  const { maxDimension } = OUTPUT_FORMATS[format];
  if (width > maxDimension || height > maxDimension) {
    throw new GridBuilderError(
      'invalid_request',
      `A ${width}x${height} grid is larger than ${format} allows (${maxDimension} pixels a side): ${change}.`,
      { code: 'grid_too_large' },
    );
  }
  const limit = outputPixelLimit(format, limits);
  if (width * height > limit) {
    const why =
      limit < limits.maxOutputPixels
        ? `the ${count(limit)} pixels a grid in ${format} may have (its encoder needs about ${OUTPUT_FORMATS[format].bytesPerPixel} bytes of memory a pixel)`
        : `the ${count(limit)} pixels allowed`;
    throw new GridBuilderError(
      'too_large',
      `A ${width}x${height} grid has ${count(width * height)} pixels, more than ${why}: ${change}.`,
      { code: 'grid_too_large' },
    );
  }
}

const count = (n: number) => n.toLocaleString('en-US');

const orList = (names: readonly string[]) =>
  names.length === 1 ? `${names[0]}` : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
