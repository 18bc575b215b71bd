/**
 * `npm run bench [-- --photos DIR] [--quick] [--only NAMES]`: GridBuilder's build and
 * upload paths against the baselines, in one run, as ratios; `--only aws` runs the AWS
 * path's rows alone. See the README's "Performance" section.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGridBuilder } from '../src/app/create-grid-builder.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { sizeThreadPool } from '../src/thread-pool.js';
import { runAwsWorkloads } from './aws-workloads.js';
import { BUILD_WORKLOADS, labAvailable, runBuildWorkload } from './build-workloads.js';
import { runCachedWorkload } from './cached-workload.js';
import { djpegAvailable } from './decode-floor.js';
import { runHeicDecodeWorkload } from './heic-decode.js';
import { runJustifiedWorkload } from './justified-workload.js';
import { runLatencyWorkload } from './latency.js';
import { type PhotoSets, preparePhotos } from './photos.js';
import { runListingPreviews, runRenditionCatchUp } from './rendition-workloads.js';
import { prepareRenditionsDir } from './renditions-data.js';
import { formatTable, machineSummary, type Row, saveResults } from './report.js';
import { createBenchStorage } from './storage.js';
import { runUploadWorkload } from './upload-workload.js';

const { values: args } = parseArgs({
  options: {
    photos: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    /** Keep the uploaded grids in DIR and reuse them on the next run (for working on the code). */
    data: { type: 'string' },
  },
});
const quick = args.quick as boolean;
// The children inherit this environment: GridBuilder's run with libuv's pool sized as
// `npm start` sizes it (src/server/launch.cts runs the same function), and so do the
// baselines, so that every variant gets the same threads.
sizeThreadPool();
// No renditions made in the background (the children inherit this too): the build rows
// measure builds from the originals in one data folder, and the "renditions ready" rows
// builds from renditions made beforehand in a copy of it.
process.env.RENDITION_SIZES ??= '';
// No tiles kept between a workload's runs, but in the "tiles cached" rows, which say so.
process.env.TILE_CACHE_MB ??= '0';
const workloads = BUILD_WORKLOADS.filter(
  (w) => !args.only || args.only.split(',').some((o) => w.name.startsWith(o)),
);

/** The 100-photo grid: its listing's previews are measured. */
const LISTING_GRID = 'bench-100';

const rows: Row[] = [];

async function main() {
  const started = performance.now();
  const machine = machineSummary();
  console.error(`Machine: ${machine}`);
  const photos = await preparePhotos(args.photos);
  const work = await mkdtemp(join(tmpdir(), 'gridbuilder-bench-'));
  try {
    const dataDir = args.data ?? join(work, 'data');
    const listing = !args.only || args.only.includes('listing');
    const cached = !args.only || args.only.includes('cached');
    const justified = !args.only || args.only.includes('justified');
    // The local grids, for the workloads that read them.
    if (workloads.length > 0 || listing || cached || justified) await populate(dataDir, photos);
    const renditionsDir = `${dataDir}-renditions`;
    const withRenditions = [
      ...workloads.filter((w) => w.renditions).map((w) => w.gridId),
      ...(listing ? [LISTING_GRID] : []),
    ];
    if (withRenditions.length > 0) {
      await reportFailure('renditions', () =>
        prepareRenditionsDir(dataDir, renditionsDir, [...new Set(withRenditions)]),
      );
    }
    const run = {
      photos,
      work,
      dataDir,
      renditionsDir,
      withLab: labAvailable(),
      withDjpeg: djpegAvailable(),
      quick,
      baselines: new Map(),
    };
    for (const workload of workloads) {
      await reportFailure(workload.name, () => runBuildWorkload(workload, run));
    }
    if (listing) {
      await reportFailure('listing', () => runListingPreviews(renditionsDir, LISTING_GRID));
    }
    if (!args.only || args.only.includes('catch-up')) {
      await reportFailure('catch-up', () => runRenditionCatchUp(work, photos));
    }
    if (cached) {
      await reportFailure('cached rebuild', () => runCachedWorkload(dataDir, quick));
    }
    if (justified) {
      await reportFailure('justified', () => runJustifiedWorkload(dataDir, quick));
    }
    if (!args.only || args.only.includes('latency')) {
      await reportFailure('storage latency', () => runLatencyWorkload(photos.thousand));
    }
    if (!args.only || args.only.includes('upload')) {
      await reportFailure('uploads', () => runUploadWorkload(work, photos, quick));
    }
    if (!args.only || args.only.includes('heic')) {
      await reportFailure('HEIC decode, 12 MP', () => runHeicDecodeWorkload(work, photos, quick));
    }
    if (!args.only || args.only.includes('aws')) {
      await reportFailure('AWS path', () => runAwsWorkloads(photos));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const table = formatTable(rows);
  console.log(`\nGridBuilder bench (${quick ? 'quick' : 'full'}), photos: ${photos.source}`);
  console.log(
    `Machine: ${machine}; load average at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  console.log(table);
  const file = await saveResults({
    date: new Date().toISOString(),
    machine,
    loadAverageAtEnd: loadavg(),
    photos: photos.source,
    quick,
    seconds: (performance.now() - started) / 1000,
    rows,
    table,
  });
  console.log(`\nSaved ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

/** A workload that breaks is a failed row, not a lost run. */
async function reportFailure(workload: string, run: () => Promise<Row[]>) {
  try {
    rows.push(...(await run()));
  } catch (error) {
    console.error(error);
    rows.push({ workload, variant: '(error)', pass: false, note: String(error).split('\n')[0] });
  }
}

/** Uploads every photo set through the real service (untimed): the grids to build. */
async function populate(dataDir: string, photos: PhotoSets) {
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const storage = await createBenchStorage(config);
  const { service, close } = createGridBuilder(config, createLogger('silent'), storage);
  const grids = new Map(BUILD_WORKLOADS.map((w) => [w.gridId, photos[w.set]]));
  for (const [gridId, files] of grids) {
    if ((await storage.index.list(gridId)).length === files.length) continue;
    await service.deleteGrid(gridId);
    console.error(`Uploading ${files.length} photos to ${gridId}...`);
    for (const file of files) await service.addImage(gridId, await readFile(file));
  }
  close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
