import { GridBuilderError } from './errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.js';

/** Ranges for the options of a build; the HTTP schema and the docs quote these. */
export const TILE_SIZE_RANGE = { min: 8, max: 4096 } as const;
export const COLUMNS_RANGE = { min: 1, max: 1000 } as const;

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
}

export interface OutputLimits {
  maxOutputPixels: number;
}

/** Rejects a grid whose output no encoder or configured limit allows, before any work. */
export function checkOutputSize(
  width: number,
  height: number,
  format: OutputFormat,
  limits: OutputLimits,
) {
  const { maxDimension } = OUTPUT_FORMATS[format];
  if (width > maxDimension || height > maxDimension) {
    throw new GridBuilderError(
      'invalid_request',
      `A ${width}x${height} grid is larger than ${format} allows (${maxDimension} pixels a side): use a smaller tileSize, other columns, or format=jpeg or png.`,
    );
  }
  if (width * height > limits.maxOutputPixels) {
    throw new GridBuilderError(
      'too_large',
      `A ${width}x${height} grid has more than the ${limits.maxOutputPixels.toLocaleString('en-US')} pixels allowed: use a smaller tileSize.`,
    );
  }
}
