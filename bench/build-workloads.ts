import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { removeBuiltGrids } from './built-grids.js';
import {
  type ChildResult,
  GRIDBUILDER_SERVER,
  median,
  runJsonChild,
  startServerChild,
  TSX,
} from './child.js';
import { decodeFloorMsPerImage, sharpCallFloorMs } from './decode-floor.js';
import type { PhotoSets } from './photos.js';
import type { Row } from './report.js';
import { createBenchStorage } from './storage.js';

const MB = 1024 * 1024;
const PYTHON = '/usr/bin/python3';

export interface BuildWorkload {
  name: string;
  set: keyof Omit<PhotoSets, 'source'>;
  gridId: string;
  tile: number;
  /** Target: at most this times the lab's time. */
  labFactor?: number;
  /** Memory workload: peak RSS target instead of a lab comparison. */
  memory?: boolean;
  /** Built from renditions made beforehand (a repeat build), not from the originals. */
  renditions?: boolean;
  /**
   * A repeat build at a tile size built before (another order, format or columns): the
   * tile cache keeps the warm-up run's tiles. Without it, every run starts with none.
   */
  tilesCached?: boolean;
  /** Target: the build's CPU at most this times the decode floor (djpeg). */
  floorFactor?: number;
  runs: number;
}

export const BUILD_WORKLOADS: BuildWorkload[] = [
  { name: '16 @ 700', set: 'large', gridId: 'bench-16', tile: 700, labFactor: 0.5, runs: 5 },
  { name: '100 @ 200', set: 'mixed', gridId: 'bench-100', tile: 200, labFactor: 0.2, runs: 3 },
  {
    name: '1000 @ 100',
    set: 'thousand',
    gridId: 'bench-1000',
    tile: 100,
    labFactor: 0.35,
    floorFactor: 1.5,
    runs: 3,
  },
  { name: '1000 @ 300', set: 'thousand', gridId: 'bench-1000', tile: 300, memory: true, runs: 1 },
  {
    name: '100 @ 200, renditions ready',
    set: 'mixed',
    gridId: 'bench-100',
    tile: 200,
    labFactor: 0.05,
    renditions: true,
    runs: 3,
  },
  {
    name: '1000 @ 100, renditions ready',
    set: 'thousand',
    gridId: 'bench-1000',
    tile: 100,
    labFactor: 0.06,
    renditions: true,
    runs: 3,
  },
  {
    name: '100 @ 200, tiles cached',
    set: 'mixed',
    gridId: 'bench-100',
    tile: 200,
    labFactor: 0.05,
    renditions: true,
    tilesCached: true,
    runs: 3,
  },
  {
    name: '1000 @ 100, tiles cached',
    set: 'thousand',
    gridId: 'bench-1000',
    tile: 100,
    labFactor: 0.06,
    renditions: true,
    tilesCached: true,
    runs: 3,
  },
];

/** Whether the lab's own algorithm can run here (python3 with Pillow). */
export const labAvailable = () =>
  spawnSync(PYTHON, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0;

/** The median of the runs after the first `warmups`. */
const timedOf = (result: ChildResult, warmups: number) =>
  median(result.runsMs.slice(Math.min(warmups, result.runsMs.length - 1)));

export interface BuildRun {
  photos: PhotoSets;
  /** A scratch folder for the lists of photos and the built grids. */
  work: string;
  /** GridBuilder's data folder, with every workload's grid uploaded. */
  dataDir: string;
  /** A copy of it with every image's renditions made. */
  renditionsDir: string;
  withLab: boolean;
  withDjpeg: boolean;
  quick: boolean;
  /**
   * The baselines' times by photo set and tile, measured once in the run: a workload
   * built from renditions is judged against the same lab and sharp runs on the same
   * originals as the build from originals.
   */
  baselines: Map<string, Baselines>;
}

interface Baselines {
  lab?: ChildResult | undefined;
  minimal: ChildResult;
}

/**
 * One build workload in every variant: the lab's algorithm (Pillow), a minimal sharp
 * pipeline, GridService in-process and the HTTP server, each in a child process;
 * GridBuilder's variants judged against the first two.
 */
export async function runBuildWorkload(workload: BuildWorkload, run: BuildRun): Promise<Row[]> {
  console.error(`Workload ${workload.name}...`);
  const rows: Row[] = [];
  const files = run.photos[workload.set];
  const runs = run.quick ? 1 : workload.runs;
  const columns = Math.floor(Math.sqrt(files.length));
  const canvasBytes = columns * Math.ceil(files.length / columns) * workload.tile ** 2 * 3;
  const labVariant = "lab's algorithm (Pillow)";
  const dataDir = workload.renditions ? run.renditionsDir : run.dataDir;
  const reused = workload.renditions ? ', from the originals (timed above)' : '';

  const { lab: labResult, minimal: minimalResult } = await baselinesOf(workload, run, runs);
  let lab: number | undefined;
  if (!workload.memory && !labResult) {
    rows.push({
      workload: workload.name,
      variant: labVariant,
      note: `skipped: ${PYTHON} with PIL not found (apt-get install -y python3-pil)`,
    });
  } else if (labResult) {
    lab = timedOf(labResult, 0);
    rows.push({
      workload: workload.name,
      variant: `${labVariant}${reused}`,
      ms: lab,
      peakRssBytes: labResult.peakRssBytes,
      vsLab: 1,
    });
  }
  const minimal = timedOf(minimalResult, 1);
  rows.push({
    workload: workload.name,
    variant: `minimal sharp pipeline${reused}`,
    ms: minimal,
    peakRssBytes: minimalResult.peakRssBytes,
    vsLab: lab && minimal / lab,
    vsMinimal: 1,
  });

  const judge = (variant: string, ms: number, peakRssBytes: number) => {
    const vsLab = lab && ms / lab;
    const vsMinimal = ms / minimal;
    const rssLimit = 1.5 * canvasBytes + 150 * MB;
    const labFactor = workload.labFactor ?? 1;
    rows.push({
      workload: workload.name,
      variant,
      ms,
      peakRssBytes,
      vsLab,
      vsMinimal,
      ...(workload.memory
        ? {
            target: `RSS < ${Math.round(rssLimit / MB)} MB, <= 1x sharp`,
            pass: peakRssBytes < rssLimit && vsMinimal <= 1,
          }
        : {
            target: `<= ${labFactor}x lab, <= 1x sharp`,
            pass: (vsLab === undefined || vsLab <= labFactor) && vsMinimal <= 1,
          }),
    });
  };

  // Each run a real build: the stored grid is removed first; its tiles cached or not.
  const tileCache = { TILE_CACHE_MB: workload.tilesCached ? '64' : '0' };
  const inProcess = await runJsonChild(
    [
      ...TSX,
      'bench/service-build.ts',
      dataDir,
      workload.gridId,
      `${workload.tile}`,
      `${runs + 1}`,
      '0',
    ],
    tileCache,
  );
  judge('GridService in-process', timedOf(inProcess, 1), inProcess.peakRssBytes);
  if (workload.floorFactor) rows.push(await floorRow(workload, run, files, inProcess));

  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
    ...tileCache,
  });
  try {
    const times = await timeHttpBuilds(server.url, dataDir, workload, runs + 1);
    judge('HTTP server, request to answer', median(times.slice(1)), server.peakRssBytes());
  } finally {
    await server.stop();
  }
  return rows;
}

/** The lab's and the minimal sharp pipeline's runs on the workload's photos, once per run. */
async function baselinesOf(workload: BuildWorkload, run: BuildRun, runs: number) {
  const id = `${workload.set}@${workload.tile}`;
  const known = run.baselines.get(id);
  if (known) return known;
  const files = run.photos[workload.set];
  const listFile = join(run.work, `${workload.gridId}.txt`);
  await writeFile(listFile, files.join('\n'));
  const out = (name: string) => join(run.work, `${name}-${workload.tile}.jpg`);
  const lab =
    workload.memory || !run.withLab
      ? undefined
      : await runJsonChild([
          PYTHON,
          'bench/baselines/lab_grid.py',
          listFile,
          `${workload.tile}`,
          out('lab'),
          // The median of up to three, as GridBuilder's own time is a median: one run of
          // the lab alone swings with this machine by 5-10%.
          `${Math.min(runs, 3)}`,
        ]);
  const minimal = await runJsonChild([
    ...TSX,
    'bench/baselines/minimal-sharp.ts',
    listFile,
    `${workload.tile}`,
    out('minimal'),
    `${runs + 1}`,
  ]);
  const baselines = { lab, minimal };
  run.baselines.set(id, baselines);
  return baselines;
}

/**
 * The build's CPU an image (all its threads: decode, resize, compose, encode, reads)
 * against libjpeg-turbo's djpeg decoding the same files at the scale the tile needs.
 */
async function floorRow(
  workload: BuildWorkload,
  run: BuildRun,
  files: readonly string[],
  build: ChildResult,
): Promise<Row> {
  const variant = 'GridService in-process CPU vs decode floor (djpeg)';
  if (!run.withDjpeg) {
    return {
      workload: workload.name,
      variant,
      note: 'skipped: djpeg not found (apt-get install -y libjpeg-turbo-progs)',
    };
  }
  const floor = await decodeFloorMsPerImage(files, workload.tile, run.work);
  const call = await sharpCallFloorMs();
  const cpu = median((build.cpuMs ?? []).slice(1)) / files.length;
  const factor = workload.floorFactor ?? 1;
  return {
    workload: workload.name,
    variant,
    ms: cpu * files.length,
    target: `<= ${factor}x decode floor`,
    pass: cpu / floor <= factor,
    note: `${cpu.toFixed(2)} ms of CPU an image against djpeg's ${floor.toFixed(2)} ms (process start subtracted): ${(cpu / floor).toFixed(2)}x the decode floor; one sharp call on a tiny raw image alone costs ${call.toFixed(2)} ms of CPU here (libvips' per-call floor)`,
  };
}

/** Request to answer of `runs` builds over HTTP, each after removing the cached grid. */
async function timeHttpBuilds(url: string, dataDir: string, workload: BuildWorkload, runs: number) {
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const storage = await createBenchStorage(config);
  const times: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      await removeBuiltGrids(storage.objects, workload.gridId);
      const start = performance.now();
      const response = await fetch(
        `${url}/generate_grid?uniqueGridId=${workload.gridId}&tileSize=${workload.tile}`,
        { method: 'POST' },
      );
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
