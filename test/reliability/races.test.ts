import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';
import { prng } from '../support/images.js';
import { newDataDir } from './support/data-dir.js';
import { between, makeImage } from './support/images.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

// What a hostile (or just busy) client does to the service's promises, over HTTP
// against the real server process, on both backends: a grid deleted while a page's
// batch of uploads is in flight, and a two-step upload confirmed twice at once or
// used again. The deterministic versions of these races are in
// test/core/grid-service-races.test.ts; these run many rounds at real timing.

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 40);

interface Backend {
  name: string;
  /**
   * A used upload link, PUT and confirmed again: the local backend refuses the PUT (so
   * nothing waits for the confirm); S3 takes it, and the confirm refuses.
   */
  usedLink: { put: number; confirm: number };
  start(): Promise<{ server: ServerProcess; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'local disk + SQLite',
    usedLink: { put: 409, confirm: 404 },
    async start() {
      const dataDir = newDataDir('races');
      const server = await startServerProcess({ DATA_DIR: dataDir });
      return {
        server,
        async stop() {
          await server.stop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'S3 + DynamoDB protocol servers',
    usedLink: { put: 200, confirm: 409 },
    async start() {
      const servers: AwsServers = await startAwsServers();
      const server = await startServerProcess(awsEnv(servers));
      return {
        server,
        async stop() {
          await server.stop();
          await servers.stop();
        },
      };
    },
  },
];

describe.each(backends)('races over HTTP on $name', (backend) => {
  let server: ServerProcess;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ server, stop } = await backend.start());
  });
  afterAll(async () => {
    await stop?.();
  });

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${server.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const listing = async (grid: string) =>
    (await call(`/grids/${grid}`)).body as {
      image_count: number;
      images: { image_id: string; url: string }[];
    };

  test(`a grid deleted while 4 uploads are in flight (${ROUNDS} rounds): every listed image keeps its object`, async () => {
    const random = prng(120_001);
    const photos = await Promise.all([0, 1, 2, 3].map((i) => makeImage('jpeg', i, 1600, 1200)));
    const statuses: number[] = [];
    let survivors = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const grid = `delete-race-${round}`;
      expect(
        (
          await call(`/add_image?uniqueGridId=${grid}`, {
            method: 'POST',
            body: new Uint8Array(photos[0] as Buffer),
          })
        ).status,
      ).toBe(200);
      const uploads = photos.map((photo) =>
        call(`/add_image?uniqueGridId=${grid}`, { method: 'POST', body: new Uint8Array(photo) }),
      );
      await new Promise((resolve) => setTimeout(resolve, between(random, 0, 40)));
      const deleted = await call(`/grids/${grid}`, { method: 'DELETE' });
      const answers = await Promise.all(uploads);
      statuses.push(deleted.status, ...answers.map((a) => a.status));

      const { images } = await listing(grid);
      survivors += images.length;
      for (const image of images) {
        // Every listed image is whole: its file answers, and it builds.
        expect((await fetch(image.url)).status).toBe(200);
      }
      const built = await call(`/generate_grid?uniqueGridId=${grid}&tileSize=32`, {
        method: 'POST',
      });
      expect(built.status).toBe(images.length > 0 ? 200 : 404);
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    console.info(
      `delete during uploads: ${ROUNDS} rounds, ${ROUNDS * 4} uploads answered 200, ${survivors} listed after their grid's delete, all whole`,
    );
  });

  test(`a two-step upload confirmed twice at once, then used again (${ROUNDS} rounds): one image, never a 5xx`, async () => {
    const jpeg = await makeImage('jpeg', 7, 400, 300);
    const png = await makeImage('png', 8, 400, 300);
    const seen = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const grid = `confirm-race-${round}`;
      const { body: upload } = await call(`/grids/${grid}/uploads?size=${jpeg.length}`, {
        method: 'POST',
      });
      const uploadUrl = upload.upload_url as string;
      const confirmUrl = (upload.confirm_url as string).replace(/^https?:\/\/[^/]+/, '');
      expect((await fetch(uploadUrl, { method: 'PUT', body: new Uint8Array(jpeg) })).status).toBe(
        200,
      );

      const confirms = await Promise.all([
        call(confirmUrl, { method: 'POST' }),
        call(confirmUrl, { method: 'POST' }),
      ]);
      const statuses = confirms.map((c) => c.status).sort();
      seen.set(statuses.join('+'), (seen.get(statuses.join('+')) ?? 0) + 1);
      // One adds the image; the other finds it claimed (409) or its bytes consumed (404).
      expect(statuses[0]).toBe(200);
      expect([404, 409]).toContain(statuses[1]);
      const saved = confirms.find((c) => c.status === 200)?.body as { image_id: string };

      // The link used again, with other bytes: refused, and the image keeps its own.
      expect((await fetch(uploadUrl, { method: 'PUT', body: new Uint8Array(png) })).status).toBe(
        backend.usedLink.put,
      );
      const again = await call(confirmUrl, { method: 'POST' });
      expect(again.status).toBe(backend.usedLink.confirm);
      expect(again.body.message).toMatch(/already confirmed|confirmed upload is in the grid/);

      const { images } = await listing(grid);
      expect(images.map((image) => image.image_id)).toEqual([saved.image_id]);
      const stored = Buffer.from(await (await fetch(images[0]?.url as string)).arrayBuffer());
      expect(stored.equals(jpeg)).toBe(true);
    }
    console.info(`two confirms at once: ${JSON.stringify(Object.fromEntries(seen))}`);
  });
});
