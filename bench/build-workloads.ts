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
    runs: 3,
  },
  { name: '1000 @ 300', set: 'thousand', gridId: 'bench-1000', tile: 300, memory: true, runs: 1 },
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
  withLab: boolean;
  quick: boolean;
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
  const listFile = join(run.work, `${workload.gridId}.txt`);
  await writeFile(listFile, files.join('\n'));
  const runs = run.quick ? 1 : workload.runs;
  const out = (name: string) => join(run.work, `${name}-${workload.tile}.jpg`);
  const columns = Math.floor(Math.sqrt(files.length));
  const canvasBytes = columns * Math.ceil(files.length / columns) * workload.tile ** 2 * 3;
  const labVariant = "lab's algorithm (Pillow)";

  let lab: number | undefined;
  if (!workload.memory && !run.withLab) {
    rows.push({
      workload: workload.name,
      variant: labVariant,
      note: `skipped: ${PYTHON} with PIL not found (apt-get install -y python3-pil)`,
    });
  } else if (!workload.memory) {
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
      variant: labVariant,
      ms: lab,
      peakRssBytes: result.peakRssBytes,
      vsLab: 1,
    });
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

  const inProcess = await runJsonChild([
    ...TSX,
    'bench/service-build.ts',
    run.dataDir,
    workload.gridId,
    `${workload.tile}`,
    `${runs + 1}`,
    '0',
  ]);
  judge('GridService in-process', timedOf(inProcess, 1), inProcess.peakRssBytes);

  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: run.dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  try {
    const times = await timeHttpBuilds(server.url, run.dataDir, workload, runs + 1);
    judge('HTTP server, request to answer', median(times.slice(1)), server.peakRssBytes());
  } finally {
    await server.stop();
  }
  return rows;
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
