/**
 * The real GridService building a grid in this process, as a warm server would:
 *   tsx bench/service-build.ts DATA_DIR GRID_ID TILE RUNS CACHED_RUNS
 * Every timed build is a real one (the stored result is removed first); then
 * CACHED_RUNS builds that answer from the stored result. Environment variables are
 * GridBuilder's own (BUILD_IN_FLIGHT, DECODE_CONCURRENCY, STORAGE, ...).
 * Prints JSON { runsMs, cpuMs, cachedMs, peakRssBytes } (cpuMs: the process's CPU, all
 * threads, during each timed build).
 */
import { createGridBuilder } from '../src/app/create-grid-builder.js';
import { createStorage } from '../src/app/create-storage.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { removeBuiltGrids } from './built-grids.js';
import { peakRssOf } from './child.js';

const [dataDir, gridId, tileArg, runsArg, cachedArg] = process.argv.slice(2) as string[];
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const storage = createStorage(config);
const { service, close } = createGridBuilder(config, createLogger('silent'), storage);
const tileSize = Number(tileArg);

const runsMs: number[] = [];
const cpuMs: number[] = [];
for (let run = 0; run < Number(runsArg); run++) {
  await removeBuiltGrids(storage.objects, gridId as string);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const grid = await service.buildGrid(gridId, { tileSize });
  runsMs.push(performance.now() - start);
  const { user, system } = process.cpuUsage(cpu);
  cpuMs.push((user + system) / 1000);
  if (grid.cached) throw new Error('expected a fresh build');
}
const cachedMs: number[] = [];
for (let run = 0; run < Number(cachedArg); run++) {
  const start = performance.now();
  const grid = await service.buildGrid(gridId, { tileSize });
  cachedMs.push(performance.now() - start);
  if (!grid.cached) throw new Error('expected a cached build');
}
close();
process.stdout.write(`${JSON.stringify({ runsMs, cpuMs, cachedMs, peakRssBytes: peakRssOf() })}\n`);
