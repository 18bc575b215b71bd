import { InvalidArgumentError } from 'commander';
import { parseBackground } from '../../core/grid-options.js';
import { GRID_ID_INVALID, GRID_ID_PATTERN } from '../../core/ids.js';

/** commander value parsers: a bad value is a usage error naming the option. */

export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError('must be a whole number of 1 or more.');
  }
  return number;
}

/**
 * A whole number within `range`, e.g. the server's TILE_SIZE_RANGE: a value the server
 * would refuse is a usage error naming the flag (exit 2), not a refused request (exit 1)
 * after the CLI has already talked to the server.
 */
export function integerIn(range: { min: number; max: number }): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (
      !/^\d+$/.test(value.trim()) ||
      !Number.isSafeInteger(number) ||
      number < range.min ||
      number > range.max
    ) {
      throw new InvalidArgumentError(`must be a whole number from ${range.min} to ${range.max}.`);
    }
    return number;
  };
}

export function gridId(value: string): string {
  if (!GRID_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError(GRID_ID_INVALID.replace('uniqueGridId', 'The grid id'));
  }
  return value;
}

/** --url / GRIDBUILDER_URL: where the API is, e.g. http://localhost:3000 or an API Gateway URL. */
export function apiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL: write it like http://localhost:3000.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('must be an http:// or https:// URL.');
  }
  return value;
}

/** A count that may be zero, e.g. a grace period in seconds. */
export function wholeNumber(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
    throw new InvalidArgumentError('must be a whole number of 0 or more.');
  }
  return number;
}

/** A colour as the server reads it (3 or 6 hex digits, `#` optional), as `#rrggbb`. */
export function colour(value: string): string {
  const parsed = parseBackground(value);
  if (parsed === undefined) {
    throw new InvalidArgumentError('must be a colour as 6 hex digits, like ffffff or "#ffffff".');
  }
  return parsed;
}
