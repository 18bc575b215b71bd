import { InvalidArgumentError } from 'commander';
import { GRID_ID_INVALID, GRID_ID_PATTERN } from '../../core/ids.js';

/** commander value parsers: a bad value is a usage error naming the option. */

export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError('must be a whole number of 1 or more.');
  }
  return number;
}

export function gridId(value: string): string {
  if (!GRID_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError(GRID_ID_INVALID.replace('uniqueGridId', 'The grid id'));
  }
  return value;
}
