import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { prng } from '../support/images.js';
import { filesUnder, newDataDir, recordedKeys, sourceObjects } from './support/data-dir.js';
import { between, makeImage } from './support/images.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

const CYCLES = 25;
const CLIENTS = 12;
const GRIDS = ['crash-a', 'crash-b', 'crash-c'];
const SEED = 20261127;

const dataDir = newDataDir('crash');
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What the clients were told, across every cycle. */
const acknowledged = new Map<string, string>(); // key -> gridId, answered "image saved"
const deleteTried = new Set<string>(); // keys a delete was sent for (answered or not)
const deleted = new Set<string>(); // keys answered "image deleted"

interface Figures {
  uploadsAcked: number;
  deletesAcked: number;
  buildsAcked: number;
  cutOff: number;
  unrecordedSwept: number;
  tempSwept: number;
}

/** After a SIGKILL, before restart: no record without its object, on disk. */
function checkDiskAfterCrash(): { unrecorded: number; temps: number } {
  const records = recordedKeys(dataDir);
  for (const { key } of records) {
    expect(
      existsSync(join(dataDir, 'objects', 'source', key)),
      `record ${key} has its object`,
    ).toBe(true);
  }
  const recorded = new Set(records.map((r) => r.key));
  return {
    unrecorded: sourceObjects(dataDir).filter((key) => !recorded.has(key)).length,
    temps: filesUnder(dataDir, 'objects/.tmp').length,
  };
}

/** After restart (which swept with no grace period): the promises the clients were given hold. */
async function checkServiceAfterRestart(url: string) {
  const recorded = new Set(recordedKeys(dataDir).map((r) => r.key));
  expect(sourceObjects(dataDir).filter((key) => !recorded.has(key))).toEqual([]);
  expect(filesUnder(dataDir, 'objects/.tmp')).toEqual([]);
  for (const gridId of GRIDS) {
    const listing = (await (await fetch(`${url}/grids/${gridId}`)).json()) as {
      images: { key: string }[];
    };
    const listed = new Set(listing.images.map((i) => i.key));
    for (const [key, grid] of acknowledged) {
      if (grid !== gridId) continue;
      if (deleted.has(key)) expect(listed.has(key), `deleted ${key} is gone`).toBe(false);
      else if (!deleteTried.has(key)) expect(listed.has(key), `saved ${key} is listed`).toBe(true);
    }
    if (listed.size > 0) {
      const built = await fetch(`${url}/generate_grid?uniqueGridId=${gridId}&tileSize=16`, {
        method: 'POST',
      });
      expect(built.status, `grid ${gridId} builds`).toBe(200);
    }
  }
}

/** A stream of uploads, deletes and builds from CLIENTS clients until the server dies. */
async function workload(url: string, random: () => number, images: Buffer[], figures: Figures) {
  const client = async () => {
    for (;;) {
      const gridId = GRIDS[between(random, 0, GRIDS.length - 1)] as string;
      const roll = random();
      try {
        if (roll < 0.7) {
          const response = await fetch(`${url}/add_image?uniqueGridId=${gridId}`, {
            method: 'POST',
            body: new Uint8Array(images[between(random, 0, images.length - 1)] as Buffer),
          });
          const body = (await response.json()) as { message: string; key: string };
          if (body.message === 'image saved') {
            acknowledged.set(body.key, gridId);
            figures.uploadsAcked++;
          }
        } else if (roll < 0.85) {
          const candidates = [...acknowledged].filter(
            ([key, grid]) => grid === gridId && !deleteTried.has(key),
          );
          if (candidates.length === 0) continue;
          const [key] = candidates[between(random, 0, candidates.length - 1)] as [string, string];
          deleteTried.add(key);
          const imageId = key.slice(key.indexOf('/') + 1, key.lastIndexOf('.'));
          const response = await fetch(`${url}/grids/${gridId}/images/${imageId}`, {
            method: 'DELETE',
          });
          if (response.status === 200) {
            deleted.add(key);
            figures.deletesAcked++;
          }
        } else {
          const response = await fetch(
            `${url}/generate_grid?uniqueGridId=${gridId}&tileSize=${between(random, 16, 64)}`,
            { method: 'POST' },
          );
          if (response.status === 200) figures.buildsAcked++;
        }
      } catch {
        return; // the server was killed under this request: nothing was acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
}

test(`SIGKILL at random moments, ${CYCLES} times: no record without its object, nothing acknowledged is lost`, async () => {
  const random = prng(SEED);
  const images = await Promise.all(
    Array.from({ length: 12 }, (_, i) => makeImage(i % 2 ? 'png' : 'jpeg', SEED + i, 320, 240)),
  );
  const figures: Figures = {
    uploadsAcked: 0,
    deletesAcked: 0,
    buildsAcked: 0,
    cutOff: 0,
    unrecordedSwept: 0,
    tempSwept: 0,
  };

  for (let cycle = 0; cycle <= CYCLES; cycle++) {
    server = await startServerProcess({ DATA_DIR: dataDir, GC_GRACE_SECONDS: '0' });
    await checkServiceAfterRestart(server.url);
    if (cycle === CYCLES) break;

    const running = workload(server.url, random, images, figures);
    await new Promise((resolve) => setTimeout(resolve, between(random, 100, 1200)));
    await server.kill();
    await running;
    figures.cutOff++;

    const leftovers = checkDiskAfterCrash();
    figures.unrecordedSwept += leftovers.unrecorded;
    figures.tempSwept += leftovers.temps;
  }
  await server?.stop();
  server = undefined;

  const recorded = new Set(recordedKeys(dataDir).map((r) => r.key));
  const lost = [...acknowledged.keys()].filter(
    (key) => !deleteTried.has(key) && !recorded.has(key),
  );
  expect(lost).toEqual([]);
  expect(figures.uploadsAcked).toBeGreaterThan(CYCLES);
  console.log(
    `[reliability] crash (seed ${SEED}): ${figures.cutOff} SIGKILLs survived; ${figures.uploadsAcked} uploads, ` +
      `${figures.deletesAcked} deletes, ${figures.buildsAcked} builds acknowledged; ` +
      `${figures.unrecordedSwept} unrecorded objects and ${figures.tempSwept} temp files swept at restart; ` +
      `records without object: 0; images lost: ${lost.length}`,
  );
});
