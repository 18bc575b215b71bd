import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { newDataDir, recordedKeys, sourceObjects } from './support/data-dir.js';
import { makeImage, withClients } from './support/images.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

const UPLOADS = 2400;
const CLIENTS = 48;
const GRIDS = 12;
const WARM_UP = 200;
/** Allowed growth of the server's RSS over the measured run, after a warm-up. */
const RSS_GROWTH_BOUND = 96 * 1024 * 1024;

let server: ServerProcess;
let dataDir: string;
let images: Buffer[];

beforeAll(async () => {
  dataDir = newDataDir('load');
  server = await startServerProcess({ DATA_DIR: dataDir });
  // 60 distinct images, reused: the server stores each upload as a new object anyway.
  images = await Promise.all(
    Array.from({ length: 60 }, (_, i) => makeImage(i % 3 === 0 ? 'png' : 'jpeg', i)),
  );
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Uploads `count` images from CLIENTS concurrent clients; retries 503s as a client should. */
async function uploadMany(count: number, offset: number) {
  let saved = 0;
  let busy = 0;
  const other: string[] = [];
  await withClients(
    Array.from({ length: count }, (_, i) => i + offset),
    CLIENTS,
    async (n) => {
      for (;;) {
        const response = await fetch(`${server.url}/add_image?uniqueGridId=load-${n % GRIDS}`, {
          method: 'POST',
          body: new Uint8Array(images[n % images.length] as Buffer),
        });
        const body = (await response.json()) as { message: string };
        if (response.status === 503) {
          busy++;
          expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        if (body.message === 'image saved') saved++;
        else other.push(`${response.status} ${body.message}`);
        return;
      }
    },
  );
  return { saved, busy, other };
}

test('thousands of concurrent uploads: every "image saved" is listed, every grid builds, memory stays bounded', async () => {
  const warmUp = await uploadMany(WARM_UP, 0);
  const rssBefore = server.rss();

  const run = await uploadMany(UPLOADS, WARM_UP);
  const rssAfter = server.rss();
  expect(run.other).toEqual([]);

  let listed = 0;
  for (let g = 0; g < GRIDS; g++) {
    const response = await fetch(`${server.url}/grids/load-${g}`);
    expect(response.status).toBe(200);
    const listing = (await response.json()) as { image_count: number; images: unknown[] };
    listed += listing.images.length;
    const built = await fetch(`${server.url}/generate_grid?uniqueGridId=load-${g}&tileSize=16`, {
      method: 'POST',
    });
    expect(built.status).toBe(200);
    const grid = (await built.json()) as { image_count: number; presigned_url: string };
    expect(grid.image_count).toBe(listing.image_count);
    const file = await fetch(grid.presigned_url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
  }
  const saved = warmUp.saved + run.saved;
  expect(saved).toBe(WARM_UP + UPLOADS);
  expect(listed).toBe(saved);
  expect(recordedKeys(dataDir).length).toBe(saved);
  expect(sourceObjects(dataDir).length).toBe(saved);
  expect(server.exited()).toBeUndefined();
  expect(rssAfter - rssBefore).toBeLessThan(RSS_GROWTH_BOUND);

  console.log(
    `[reliability] load: ${saved} uploads from ${CLIENTS} concurrent clients held, ${listed} listed, ` +
      `${GRIDS} grids built, ${warmUp.busy + run.busy} answered 503-retry, images lost: ${saved - listed}; ` +
      `server RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB after warm-up -> ${(rssAfter / 2 ** 20).toFixed(0)} MB ` +
      `after ${UPLOADS} more (bound +${RSS_GROWTH_BOUND / 2 ** 20} MB)`,
  );
});
