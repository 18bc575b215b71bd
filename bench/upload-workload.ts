import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { GRIDBUILDER_SERVER, startServerChild, TSX } from './child.js';
import type { PhotoSets } from './photos.js';
import type { Row } from './report.js';
import { loadUploads, summarizeUploads, type UploadResult, type UploadRun } from './uploads.js';

const MB = 1024 * 1024;
const UPLOADS_GRID = 'bench-uploads';
/**
 * Not measured at the start of each slice: its clients connect and send their first
 * uploads at once, and for about 200 ms answers take twice their steady time (with the
 * bare server too). One continuous run would have that burst once, in its warm-up.
 */
const SLICE_SETTLE_SECONDS = 0.5;

/**
 * add_image under load from 16 keep-alive clients, against a bare server that only
 * writes each body and fsyncs it: GridBuilder's share of the bare server's throughput.
 */
export async function runUploadWorkload(
  work: string,
  photos: PhotoSets,
  quick: boolean,
): Promise<Row[]> {
  const rows: Row[] = [];
  const seconds = quick ? 3 : 10;
  const clients = 16;
  const workload = `uploads, 500 KB, ${clients} clients, ${seconds} s`;
  console.error(`Workload ${workload}...`);
  const bareDir = join(work, 'bare');
  await mkdir(bareDir);
  const bare = await startServerChild([...TSX, 'bench/bare-server.ts', bareDir], {});
  // A data folder of its own, and the rendition worker on as in production: it makes
  // the uploads' renditions in the same process, between validations.
  const dataDir = join(work, 'uploads');
  await mkdir(dataDir);
  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
    RENDITION_SIZES: loadConfig({}).RENDITION_SIZES.join(','),
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
      variant: 'HTTP server add_image, rendition worker on',
      ms: result.p99Ms,
      peakRssBytes: server.peakRssBytes(),
      target: '>= 70% of bare req/s, p99 < 50 ms',
      pass: share >= 0.7 && result.p99Ms < 50 && result.failures === 0,
      note: `${describeUploads(result)}, ${(share * 100).toFixed(0)}% of bare`,
    });
  } finally {
    await Promise.all([bare.stop(), server.stop()]);
  }
  return rows;
}

const describeUploads = (r: UploadResult) =>
  `${r.perSecond.toFixed(0)} req/s (${(r.bytesPerSecond / MB).toFixed(0)} MB/s), p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (time column), ${r.failures} failures`;
