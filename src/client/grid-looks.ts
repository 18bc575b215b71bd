import { DEFAULT_BACKGROUND, DEFAULT_CROP } from '../core/grid-options.js';
import type { GridBuilt } from '../http/api-types.js';

/**
 * What makes a built grid look other than the lab's (its crop, gaps, background), in
 * words for the CLI's line and the page's facts; none for the lab's look.
 */
export function gridLooks(built: Pick<GridBuilt, 'crop' | 'gap' | 'background'>): string[] {
  const words = [];
  if (built.crop !== DEFAULT_CROP) words.push(`${built.crop} crop`);
  if (built.gap > 0) words.push(`${built.gap} px gaps on ${built.background}`);
  else if (built.background !== DEFAULT_BACKGROUND) words.push(`background ${built.background}`);
  return words;
}
