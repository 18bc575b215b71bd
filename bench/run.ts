/**
 * `npm run bench [-- --photos DIR] [--quick]`: GridBuilder's build and upload paths
 * against the baselines, in one run, as ratios. See the README's "Performance" section.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGridBuilder } from '../src/app/create-grid-builder.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { sizeThreadPool } from '../src/thread-pool.js';
import { removeBuiltGrids } from './built-grids.js';
import {
  type ChildResult,
  GRIDBUILDER_SERVER,
  median,
  runJsonChild,
  startServerChild,
  TSX,
} from './child.js';
import { runLatencyBuilds } from './latency.js';
import { type PhotoSets, preparePhotos } from './photos.js';
import { formatTable, machineSummary, type Row, saveResults } from './report.js';
import { createBenchStorage } from './storage.js';
import { loadUploads, summarizeUploads, type UploadResult, type UploadRun } from './uploads.js';

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
const MB = 1024 * 1024;
const PYTHON = '/usr/bin/python3';

interface BuildWorkload {
  name: string;
  set: keyof Omit<PhotoSets, 'source'>;
  gridId: string;
  tile: number;
  /** Target: at most this times the lab's time. */
  labFactor?: number;
  /** Memory workload: peak RSS target instead of a lab comparison. */
  memory?: boolean;
  runs: number;
}

const allWorkloads: BuildWorkload[] = [
  { name: '16 @ 700', set: 'large', gridId: 'bench-16', tile: 700, labFactor: 0.5, runs: 5 },
  { name: '100 @ 200', set: 'mixed', gridId: 'bench-100', tile: 200, labFactor: 0.2, runs: 3 },
  {
    name: '1000 @ 100',
    set: 'thousand',
    gridId: 'bench-1000',
    tile: 100,
    labFactor: 0.35,
    runs: 3,
  },
  { name: '1000 @ 300', set: 'thousand', gridId: 'bench-1000', tile: 300, memory: true, runs: 1 },
];
const workloads = allWorkloads.filter(
  (w) => !args.only || args.only.split(',').some((o) => w.name.startsWith(o)),
);

const rows: Row[] = [];
const timedOf = (result: ChildResult, warmups: number) =>
  median(result.runsMs.slice(Math.min(warmups, result.runsMs.length - 1)));

async function main() {
  const started = performance.now();
  const machine = machineSummary();
  console.error(`Machine: ${machine}`);
  const photos = await preparePhotos(args.photos);
  const work = await mkdtemp(join(tmpdir(), 'gridbuilder-bench-'));
  try {
    const dataDir = args.data ?? join(work, 'data');
    await populate(dataDir, photos);
    const hasPillow = spawnSync(PYTHON, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0;
    for (const workload of workloads) {
      await reportFailure(workload.name, () =>
        runBuildWorkload(workload, photos, work, dataDir, hasPillow),
      );
    }
    if (!args.only || args.only.includes('cached')) {
      await reportFailure('cached rebuild', () => runCachedWorkload(dataDir));
    }
    if (!args.only || args.only.includes('latency')) {
      await reportFailure('storage latency', () => runLatencyWorkload(photos));
    }
    if (!args.only || args.only.includes('upload')) {
      await reportFailure('uploads', () => runUploadWorkload(work, dataDir, photos));
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
async function reportFailure(workload: string, run: () => Promise<void>) {
  try {
    await run();
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
  const grids = new Map(allWorkloads.map((w) => [w.gridId, photos[w.set]]));
  for (const [gridId, files] of grids) {
    if ((await storage.index.list(gridId)).length === files.length) continue;
    await service.deleteGrid(gridId);
    console.error(`Uploading ${files.length} photos to ${gridId}...`);
    for (const file of files) await service.addImage(gridId, await readFile(file));
  }
  close();
}

async function runBuildWorkload(
  workload: BuildWorkload,
  photos: PhotoSets,
  work: string,
  dataDir: string,
  hasPillow: boolean,
) {
  console.error(`Workload ${workload.name}...`);
  const files = photos[workload.set];
  const listFile = join(work, `${workload.gridId}.txt`);
  await writeFile(listFile, files.join('\n'));
  const runs = quick ? 1 : workload.runs;
  const out = (name: string) => join(work, `${name}-${workload.tile}.jpg`);
  const columns = Math.floor(Math.sqrt(files.length));
  const canvasBytes = columns * Math.ceil(files.length / columns) * workload.tile ** 2 * 3;

  let lab: number | undefined;
  if (!workload.memory) {
    if (hasPillow) {
      const result = await runJsonChild([
        PYTHON,
        'bench/baselines/lab_grid.py',
        listFile,
        `${workload.tile}`,
        out('lab'),
        // The median of up to three, as GridBuilder's own time is a median: one run of
        // the lab alone swings with this machine by 5-10%.
        `${Math.min(runs, 3)}`,
      ]);
      lab = timedOf(result, 0);
      rows.push({
        workload: workload.name,
        variant: "lab's algorithm (Pillow)",
        ms: lab,
        peakRssBytes: result.peakRssBytes,
        vsLab: 1,
      });
    } else {
      rows.push({
        workload: workload.name,
        variant: "lab's algorithm (Pillow)",
        note: `skipped: ${PYTHON} with PIL not found (apt-get install -y python3-pil)`,
      });
    }
  }
  const minimalResult = await runJsonChild([
    ...TSX,
    'bench/baselines/minimal-sharp.ts',
    listFile,
    `${workload.tile}`,
    out('minimal'),
    `${runs + 1}`,
  ]);
  const minimal = timedOf(minimalResult, 1);
  rows.push({
    workload: workload.name,
    variant: 'minimal sharp pipeline',
    ms: minimal,
    peakRssBytes: minimalResult.peakRssBytes,
    vsLab: lab && minimal / lab,
    vsMinimal: 1,
  });

  const judge = (variant: string, ms: number, peakRssBytes: number) => {
    const vsLab = lab && ms / lab;
    const vsMinimal = ms / minimal;
    if (workload.memory) {
      const limit = 1.5 * canvasBytes + 150 * MB;
      rows.push({
        workload: workload.name,
        variant,
        ms,
        peakRssBytes,
        vsLab,
        vsMinimal,
        target: `RSS < ${Math.round(limit / MB)} MB, <= 1x sharp`,
        pass: peakRssBytes < limit && vsMinimal <= 1,
      });
    } else {
      rows.push({
        workload: workload.name,
        variant,
        ms,
        peakRssBytes,
        vsLab,
        vsMinimal,
        target: `<= ${workload.labFactor}x lab, <= 1x sharp`,
        pass:
          (lab === undefined || (vsLab as number) <= (workload.labFactor as number)) &&
          vsMinimal <= 1,
      });
    }
  };

  const inProcess = await runJsonChild([
    ...TSX,
    'bench/service-build.ts',
    dataDir,
    workload.gridId,
    `${workload.tile}`,
    `${runs + 1}`,
    '0',
  ]);
  judge('GridService in-process', timedOf(inProcess, 1), inProcess.peakRssBytes);

  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  try {
    const times = await timeHttpBuilds(
      server.url,
      dataDir,
      workload.gridId,
      workload.tile,
      runs + 1,
    );
    judge('HTTP server, request to answer', median(times.slice(1)), server.peakRssBytes());
  } finally {
    await server.stop();
  }
}

async function timeHttpBuilds(
  url: string,
  dataDir: string,
  gridId: string,
  tile: number,
  runs: number,
) {
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const storage = await createBenchStorage(config);
  const times: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      await removeBuiltGrids(storage.objects, gridId);
      const start = performance.now();
      const response = await fetch(`${url}/generate_grid?uniqueGridId=${gridId}&tileSize=${tile}`, {
        method: 'POST',
      });
      const body = (await response.json()) as { message: string };
      times.push(performance.now() - start);
      if (response.status !== 200)
        throw new Error(`generate_grid: ${response.status} ${body.message}`);
    }
  } finally {
    storage.close();
  }
  return times;
}

async function runCachedWorkload(dataDir: string) {
  console.error('Workload cached rebuild...');
  const count = quick ? 5 : 20;
  const inProcess = await runJsonChild([
    ...TSX,
    'bench/service-build.ts',
    dataDir,
    'bench-16',
    '700',
    '1',
    `${count}`,
  ]);
  const cachedInProcess = median(inProcess.cachedMs ?? []);
  rows.push({
    workload: 'cached rebuild (16 @ 700)',
    variant: 'GridService in-process',
    ms: cachedInProcess,
    target: '< 20 ms median',
    pass: cachedInProcess < 20,
  });

  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  try {
    const times: number[] = [];
    for (let run = 0; run < count + 1; run++) {
      const start = performance.now();
      const response = await fetch(
        `${server.url}/generate_grid?uniqueGridId=bench-16&tileSize=700`,
        { method: 'POST' },
      );
      await response.json();
      times.push(performance.now() - start);
    }
    const cachedHttp = median(times.slice(1));
    rows.push({
      workload: 'cached rebuild (16 @ 700)',
      variant: 'HTTP server, request to answer',
      ms: cachedHttp,
      target: '< 20 ms median',
      pass: cachedHttp < 20,
    });
  } finally {
    await server.stop();
  }
}

async function runLatencyWorkload(photos: PhotoSets) {
  const workload = '1000 @ 100 on S3, +20 ms per request';
  console.error(`Workload ${workload}...`);
  const { direct, delayed } = await runLatencyBuilds(photos.thousand, 100, 20, 1);
  const directMs = median(direct.runsMs);
  const delayedMs = median(delayed.runsMs);
  rows.push({
    workload,
    variant: 'GridService on s3rver via proxy, no delay',
    ms: directMs,
    peakRssBytes: direct.peakRssBytes,
  });
  rows.push({
    workload,
    variant: 'GridService on s3rver via proxy, +20 ms',
    ms: delayedMs,
    peakRssBytes: delayed.peakRssBytes,
    target: '<= 1.3x no delay',
    pass: delayedMs / directMs <= 1.3,
    note: `${(delayedMs / directMs).toFixed(2)}x the no-delay build (BUILD_IN_FLIGHT=${process.env.BUILD_IN_FLIGHT ?? 'default'})`,
  });
}

const UPLOADS_GRID = 'bench-uploads';
/**
 * Not measured at the start of each slice: its clients connect and send their first
 * uploads at once, and for about 200 ms answers take twice their steady time (with the
 * bare server too). One continuous run would have that burst once, in its warm-up.
 */
const SLICE_SETTLE_SECONDS = 0.5;

async function runUploadWorkload(work: string, dataDir: string, photos: PhotoSets) {
  const seconds = quick ? 3 : 10;
  const clients = 16;
  const workload = `uploads, 500 KB, ${clients} clients, ${seconds} s`;
  console.error(`Workload ${workload}...`);
  const bareDir = join(work, 'bare');
  await mkdir(bareDir);
  const bare = await startServerChild([...TSX, 'bench/bare-server.ts', bareDir], {});
  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
  }).catch(async (error) => {
    await bare.stop();
    throw error;
  });
  try {
    // Each server's time in alternating slices (bare, GridBuilder, bare, ...): this
    // machine's disk and page cache drift within seconds, and would otherwise favour
    // whichever server ran first.
    const urls = {
      bare: `${bare.url}/`,
      server: `${server.url}/add_image?uniqueGridId=${UPLOADS_GRID}`,
    };
    const slices = { bare: [] as UploadRun[], server: [] as UploadRun[] };
    const rounds = quick ? 2 : 5;
    for (const url of Object.values(urls)) await loadUploads(url, photos.uploads, clients, 1); // JIT warm-up
    for (let round = 0; round < rounds; round++) {
      for (const [name, url] of Object.entries(urls) as [keyof typeof urls, string][]) {
        slices[name].push(
          await loadUploads(url, photos.uploads, clients, seconds / rounds, SLICE_SETTLE_SECONDS),
        );
      }
    }
    const bareResult = summarizeUploads(slices.bare);
    const result = summarizeUploads(slices.server);
    rows.push({
      workload,
      variant: 'bare server (write body, fsync)',
      ms: bareResult.p99Ms,
      peakRssBytes: bare.peakRssBytes(),
      note: describeUploads(bareResult),
    });
    const share = result.perSecond / bareResult.perSecond;
    rows.push({
      workload,
      variant: 'HTTP server add_image',
      ms: result.p99Ms,
      peakRssBytes: server.peakRssBytes(),
      target: '>= 70% of bare req/s, p99 < 50 ms',
      pass: share >= 0.7 && result.p99Ms < 50 && result.failures === 0,
      note: `${describeUploads(result)}, ${(share * 100).toFixed(0)}% of bare`,
    });
    await fetch(`${server.url}/grids/${UPLOADS_GRID}`, { method: 'DELETE' });
  } finally {
    await Promise.all([bare.stop(), server.stop()]);
  }
}

const describeUploads = (r: UploadResult) =>
  `${r.perSecond.toFixed(0)} req/s (${(r.bytesPerSecond / MB).toFixed(0)} MB/s), p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (time column), ${r.failures} failures`;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
