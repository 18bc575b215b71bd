import { gridLayout } from '../src/core/layout.js';
import { median, runJsonChild, TSX } from './child.js';
import type { Row } from './report.js';

const WORKLOAD = 'justified 100 vs square grid of the same output size';
/** The 100 photos of the mixed set (bench/photos.ts), uploaded by the bench's populate. */
const GRID_ID = 'bench-100';
const COUNT = 100;
/** The justified rows' target height. */
const ROW_HEIGHT = 200;

/**
 * Issue 17's target: a justified build of 100 photos is no slower than a square grid of
 * the same output size. Both GridService in-process, every run a real build (no tile
 * cache: TILE_CACHE_MB=0 for the bench). The justified rows are built first; the square
 * grid's tile is then the one that makes about as many pixels (the photos are wider than
 * tall, so their rows at 200 px cover more than 200 px squares would).
 */
export async function runJustifiedWorkload(dataDir: string, quick: boolean): Promise<Row[]> {
  console.error(`Workload ${WORKLOAD}...`);
  const runs = quick ? 2 : 4;
  const build = (tile: number, options: object = {}) =>
    runJsonChild([
      ...TSX,
      'bench/service-build.ts',
      dataDir,
      GRID_ID,
      `${tile}`,
      `${runs}`,
      '0',
      JSON.stringify(options),
    ]);
  const justified = await build(ROW_HEIGHT, { layout: 'justified' });
  const { width, height } = justified.size ?? { width: 0, height: 0 };
  const { columns, rows } = gridLayout(COUNT);
  const tile = Math.round(Math.sqrt((width * height) / (columns * rows)));
  const square = await build(tile);
  const squareSize = square.size ?? { width: 0, height: 0 };
  // The first run of each warms the process up (module loading, sharp's first decodes).
  const squareMs = median(square.runsMs.slice(1));
  const justifiedMs = median(justified.runsMs.slice(1));
  return [
    {
      workload: WORKLOAD,
      variant: `square grid, tile ${tile} (${squareSize.width}x${squareSize.height})`,
      ms: squareMs,
      peakRssBytes: square.peakRssBytes,
    },
    {
      workload: WORKLOAD,
      variant: `justified rows of about ${ROW_HEIGHT} px (${width}x${height})`,
      ms: justifiedMs,
      peakRssBytes: justified.peakRssBytes,
      target: '<= 1x the square grid',
      pass: justifiedMs <= squareMs,
      note: `${(justifiedMs / squareMs).toFixed(2)}x the square grid's time`,
    },
  ];
}
