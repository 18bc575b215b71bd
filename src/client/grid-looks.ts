import { DEFAULT_BACKGROUND, DEFAULT_CROP } from '../core/grid-options.js';
import type { GridBuilt } from '../http/api-types.js';
import { plural } from '../human-format.js';

/**
 * How the photos were placed, in words for the CLI's line and the page's facts:
 * `2x3 tiles of 100 px` (with `times` between), or for justified rows `3 justified rows
 * of about 100 px`.
 */
export function gridArrangement(
  built: Pick<GridBuilt, 'layout' | 'columns' | 'rows' | 'tile_size'>,
  times: string,
): string {
  return built.layout === 'justified'
    ? `${plural(built.rows, 'justified row')} of about ${built.tile_size} px`
    : `${built.columns}${times}${built.rows} tiles of ${built.tile_size} px`;
}

/**
 * What makes a built grid look other than the lab's (labels, crop, gaps, background), in
 * words for the CLI's line and the page's facts; none for the lab's look.
 */
export function gridLooks(
  built: Pick<GridBuilt, 'crop' | 'gap' | 'background' | 'labels'>,
): string[] {
  const words = [];
  if (built.labels === 'name') words.push('file names under the photos');
  if (built.crop !== DEFAULT_CROP) words.push(`${built.crop} crop`);
  if (built.gap > 0) words.push(`${built.gap} px gaps on ${built.background}`);
  else if (built.background !== DEFAULT_BACKGROUND) words.push(`background ${built.background}`);
  return words;
}
