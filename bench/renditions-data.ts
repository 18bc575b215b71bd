import { existsSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { loadConfig } from '../src/config.js';
import { makeRenditions } from '../src/core/renditions.js';
import { sharpImaging } from '../src/imaging/sharp-imaging.js';
import type { Row } from './report.js';
import { createBenchStorage } from './storage.js';

/**
 * A copy of the data folder in which every image of `gridIds` has its renditions (the
 * default RENDITION_SIZES), made one image at a time as the local worker makes them:
 * the builds of the "renditions ready" workloads read it. Kept and completed when it
 * exists (`--data`). The row says how long the making took an image.
 */
export async function prepareRenditionsDir(
  dataDir: string,
  renditionsDir: string,
  gridIds: readonly string[],
): Promise<Row[]> {
  if (!existsSync(renditionsDir)) await cp(dataDir, renditionsDir, { recursive: true });
  const config = loadConfig({ ...process.env, DATA_DIR: renditionsDir, RENDITION_SIZES: '' });
  const sizes = loadConfig({}).RENDITION_SIZES; // the defaults
  const storage = await createBenchStorage(config);
  const rows: Row[] = [];
  try {
    for (const gridId of gridIds) {
      const missing = (await storage.index.list(gridId)).filter((r) => !r.renditions);
      if (missing.length === 0) continue;
      console.error(`Making the renditions of ${missing.length} photos of ${gridId}...`);
      const start = performance.now();
      for (const { key } of missing) await makeRenditions(storage, sharpImaging, key, sizes);
      const ms = performance.now() - start;
      rows.push({
        workload: `renditions (${sizes.join(', ')}) of ${gridId}`,
        variant: 'made one image at a time, as the local worker does',
        ms: ms / missing.length,
        note: `${(ms / 1000).toFixed(1)} s for ${missing.length} photos; the time column is per photo`,
      });
    }
  } finally {
    storage.close();
  }
  return rows;
}
