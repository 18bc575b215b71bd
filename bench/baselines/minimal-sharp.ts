/**
 * Baseline: the minimal sharp pipeline, a few dozen lines with no service around it.
 * `resize(T, T, { fit: 'cover' })` per image with 4 in flight, tiles copied into one
 * raw canvas, one JPEG encode, written to a file. Run as a child process:
 *   tsx bench/baselines/minimal-sharp.ts LIST_FILE TILE OUT_FILE RUNS
 * Prints JSON { runsMs, peakRssBytes } on stdout. The first run warms up the process.
 */
import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { peakRssOf } from '../child.js';

const [listFile, tileArg, outFile, runsArg] = process.argv.slice(2);
const files = (await readFile(listFile as string, 'utf8')).split('\n').filter(Boolean);
const tile = Number(tileArg);
const runs = Number(runsArg ?? 1);

async function build() {
  const columns = Math.floor(Math.sqrt(files.length));
  const rows = Math.ceil(files.length / columns);
  const width = columns * tile;
  const canvas = Buffer.alloc(width * rows * tile * 3);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const pixels = await sharp(await readFile(files[i] as string))
        .resize(tile, tile, { fit: 'cover' })
        .removeAlpha()
        .raw()
        .toBuffer();
      const left = (i % columns) * tile;
      const top = Math.floor(i / columns) * tile;
      for (let y = 0; y < tile; y++) {
        pixels.copy(canvas, ((top + y) * width + left) * 3, y * tile * 3, (y + 1) * tile * 3);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const jpeg = await sharp(canvas, {
    raw: { width, height: rows * tile, channels: 3 },
    limitInputPixels: false,
  })
    .jpeg()
    .toBuffer();
  await writeFile(outFile as string, jpeg);
}

const runsMs: number[] = [];
for (let run = 0; run < runs; run++) {
  const start = performance.now();
  await build();
  runsMs.push(performance.now() - start);
}
process.stdout.write(`${JSON.stringify({ runsMs, peakRssBytes: peakRssOf() })}\n`);
