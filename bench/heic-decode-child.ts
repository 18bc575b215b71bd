/**
 * `tsx bench/heic-decode-child.ts heic|jpeg FILE RUNS`: decodes FILE to raw pixels RUNS
 * times, one at a time, as a build does (a HEIC on libheif's decoder thread, a JPEG with
 * sharp), and prints each run's milliseconds and the process's peak memory as JSON.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeHeic } from '../src/imaging/heic/heic-decoder.js';
import { peakRssOf } from './child.js';

const [mode, file, runs] = process.argv.slice(2) as [string, string, string];
const bytes = await readFile(file);
const runsMs: number[] = [];
for (let run = 0; run < Number(runs); run++) {
  const started = performance.now();
  if (mode === 'heic') await decodeHeic(bytes, 1e8);
  else await sharp(bytes).raw().toBuffer();
  runsMs.push(performance.now() - started);
}
console.log(JSON.stringify({ runsMs, peakRssBytes: peakRssOf() }));
process.exit(0); // the idle decoder thread would keep the process for IDLE_MS
