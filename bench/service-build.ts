/**
 * The real GridService building a grid in this process, as a warm server would:
 *   tsx bench/service-build.ts DATA_DIR GRID_ID TILE RUNS CACHED_RUNS [OPTIONS_JSON]
 * Every timed build is a real one (the stored result is removed first); then
 * CACHED_RUNS builds that answer from the stored result. OPTIONS_JSON: more build
 * options (e.g. `{"layout":"justified"}`). Environment variables are GridBuilder's own
 * (BUILD_IN_FLIGHT, DECODE_CONCURRENCY, STORAGE, ...).
 * Prints JSON { runsMs, cpuMs, cachedMs, size, peakRssBytes } (cpuMs: the process's
 * CPU, all threads, during each timed build; size: the grid image's).
 */
import { createGridBuilder } from '../src/app/create-grid-builder.js';
import { createStorage } from '../src/app/create-storage.js';
import { loadConfig } from '../src/config.js';
import type { GridOptions } from '../src/core/grid-options.js';
import { createLogger } from '../src/logger.js';
import { removeBuiltGrids } from './built-grids.js';
import { peakRssOf } from './child.js';

const [dataDir, gridId, tileArg, runsArg, cachedArg, optionsArg] = process.argv.slice(
  2,
) as string[];
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const storage = createStorage(config);
const { service, close } = createGridBuilder(config, createLogger('silent'), storage);
const options: GridOptions = { ...JSON.parse(optionsArg ?? '{}'), tileSize: Number(tileArg) };
let size = { width: 0, height: 0 };

const runsMs: number[] = [];
const cpuMs: number[] = [];
for (let run = 0; run < Number(runsArg); run++) {
  await removeBuiltGrids(storage.objects, gridId as string);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const grid = await service.buildGrid(gridId, options);
  runsMs.push(performance.now() - start);
  size = { width: grid.width, height: grid.height };
  const { user, system } = process.cpuUsage(cpu);
  cpuMs.push((user + system) / 1000);
  if (grid.cached) throw new Error('expected a fresh build');
}
const cachedMs: number[] = [];
for (let run = 0; run < Number(cachedArg); run++) {
  const start = performance.now();
  const grid = await service.buildGrid(gridId, options);
  cachedMs.push(performance.now() - start);
  if (!grid.cached) throw new Error('expected a cached build');
}
close();
process.stdout.write(
  `${JSON.stringify({ runsMs, cpuMs, cachedMs, size, peakRssBytes: peakRssOf() })}\n`,
);
