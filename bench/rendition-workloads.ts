import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { loadConfig } from '../src/config.js';
import { GRIDBUILDER_SERVER, startServerChild } from './child.js';
import type { PhotoSets } from './photos.js';
import type { Row } from './report.js';
import { createBenchStorage } from './storage.js';

const MB = 1024 * 1024;
/** What the docs promise: every rendition made this long after the last upload. */
const CATCH_UP_TARGET_MS = 60_000;
const PREVIEW_BYTES_TARGET = 5 * MB;

/**
 * The 1000 photos uploaded to a server with its rendition worker on (the defaults), 8
 * at a time; then how long after the last upload's answer every image has its renditions
 * recorded (read from the index, as the worker records them last).
 */
export async function runRenditionCatchUp(work: string, photos: PhotoSets): Promise<Row[]> {
  const workload = `renditions of ${photos.thousand.length} uploads (~1280x800), worker on`;
  console.error(`Workload ${workload}...`);
  const dataDir = join(work, 'catch-up');
  await mkdir(dataDir);
  const gridId = 'bench-catch-up';
  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
    RENDITION_SIZES: loadConfig({}).RENDITION_SIZES.join(','),
  });
  const storage = await createBenchStorage(loadConfig({ ...process.env, DATA_DIR: dataDir }));
  try {
    const upload = pLimit(8);
    const started = performance.now();
    await Promise.all(
      photos.thousand.map((file) =>
        upload(async () => {
          const response = await fetch(`${server.url}/add_image?uniqueGridId=${gridId}`, {
            method: 'POST',
            body: await readFile(file),
          });
          if (response.status !== 200) throw new Error(`add_image: ${response.status}`);
          await response.arrayBuffer();
        }),
      ),
    );
    const lastUpload = performance.now();
    const made = async () => (await storage.index.list(gridId)).filter((r) => r.renditions).length;
    let count = await made();
    const limit = lastUpload + 10 * CATCH_UP_TARGET_MS;
    while (count < photos.thousand.length && performance.now() < limit) {
      await sleep(100);
      count = await made();
    }
    const ms = performance.now() - lastUpload;
    return [
      {
        workload,
        variant: 'HTTP server: all renditions made, after the last upload',
        ms,
        peakRssBytes: server.peakRssBytes(),
        target: `all within ${CATCH_UP_TARGET_MS / 1000} s`,
        pass: count === photos.thousand.length && ms <= CATCH_UP_TARGET_MS,
        note: `${count} of ${photos.thousand.length} made; the uploads took ${((lastUpload - started) / 1000).toFixed(1)} s (8 clients)`,
      },
    ];
  } finally {
    storage.close();
    await server.stop();
  }
}

/**
 * What the page transfers for the thumbnails of a 100-photo grid: the first page of
 * its listing, then every `preview_url` in it, against the originals' bytes.
 */
export async function runListingPreviews(renditionsDir: string, gridId: string): Promise<Row[]> {
  const workload = 'listing 100 photos with previews (renditions ready)';
  console.error(`Workload ${workload}...`);
  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: renditionsDir,
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  try {
    const listing = (await (await fetch(`${server.url}/grids/${gridId}?limit=100`)).json()) as {
      images: { preview_url: string; image_size: number }[];
    };
    let bytes = 0;
    for (const image of listing.images) {
      bytes += (await (await fetch(image.preview_url)).arrayBuffer()).byteLength;
    }
    const originals = listing.images.reduce((sum, image) => sum + image.image_size, 0);
    return [
      {
        workload,
        variant: 'bytes of the previews (time column: none)',
        target: `<= ${PREVIEW_BYTES_TARGET / MB} MB`,
        pass: listing.images.length === 100 && bytes <= PREVIEW_BYTES_TARGET,
        note: `${(bytes / MB).toFixed(2)} MB for ${listing.images.length} previews, against ${(originals / MB).toFixed(1)} MB of originals`,
      },
    ];
  } finally {
    await server.stop();
  }
}
