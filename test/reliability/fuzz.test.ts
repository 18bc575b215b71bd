import { rmSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { prng } from '../support/images.js';
import {
  filesUnder,
  newDataDir,
  recordedKeys,
  renditionsOf,
  sourceObjects,
} from './support/data-dir.js';
import { between, makeImage, withClients } from './support/images.js';
import { MUTATIONS, mutate } from './support/mutate.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

const SEED = 6_0601;
/** FUZZ_PER_FORMAT=20000 for a longer hunt. */
const PER_FORMAT = Number(process.env.FUZZ_PER_FORMAT ?? 1000);
const FORMATS = ['jpeg', 'png', 'webp'] as const;
const CLIENTS = 8;

let server: ServerProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = newDataDir('fuzz');
  server = await startServerProcess({ DATA_DIR: dataDir });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test(`${PER_FORMAT * FORMATS.length} mutated JPEG, PNG and WebP files: 4xx or stored, never 5xx, nothing stored when rejected, every accepted file builds`, async () => {
  const random = prng(SEED);
  const inputs: { format: string; mutation: string; bytes: Buffer }[] = [];
  for (const format of FORMATS) {
    const bases = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const image = await makeImage(format, SEED + i, 40 + i * 12, 30 + i * 9);
        // Half the JPEGs carry what phone photos carry (an ICC profile, an EXIF
        // orientation), so the flips also land in the segments a build reads; a third
        // are progressive, with tables and scan headers between their scans.
        if (format !== 'jpeg') return image;
        return recode(image, { phone: i % 2 === 1, progressive: i % 3 === 2 });
      }),
    );
    for (let n = 0; n < PER_FORMAT; n++) {
      const mutation = MUTATIONS[n % MUTATIONS.length] as (typeof MUTATIONS)[number];
      const base = bases[between(random, 0, bases.length - 1)] as Buffer;
      inputs.push({ format, mutation, bytes: mutate(base, mutation, random) });
    }
  }

  const statuses = new Map<number, number>();
  const serverErrors: string[] = [];
  const accepted = new Map<string, number>(); // grid -> accepted count
  await withClients(inputs, CLIENTS, async (input, index) => {
    const gridId = `fuzz-${input.format}`;
    const response = await fetch(`${server.url}/add_image?uniqueGridId=${gridId}`, {
      method: 'POST',
      body: new Uint8Array(input.bytes),
    });
    const body = (await response.json()) as { message?: string };
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    expect(typeof body.message, `input ${index}: a message`).toBe('string');
    if (response.status >= 500) {
      serverErrors.push(
        `input ${index} (${input.format}, ${input.mutation}): ${response.status} ${body.message}`,
      );
    } else if (response.status === 200) {
      accepted.set(gridId, (accepted.get(gridId) ?? 0) + 1);
    } else {
      expect([400, 413, 415, 422], `input ${index}: ${body.message}`).toContain(response.status);
    }
  });
  expect(serverErrors).toEqual([]);
  expect(server.exited()).toBeUndefined();

  // Nothing of a rejected file stays: exactly the accepted files are recorded and stored.
  const acceptedTotal = [...accepted.values()].reduce((a, b) => a + b, 0);
  expect(recordedKeys(dataDir).length).toBe(acceptedTotal);
  expect(sourceObjects(dataDir).length).toBe(acceptedTotal);
  // Renditions, made in the background, only ever of accepted images.
  const recordedImages = new Set(recordedKeys(dataDir).map(({ key }) => key.replace(/\.\w+$/, '')));
  for (const image of renditionsOf(dataDir)) expect(recordedImages).toContain(image);
  expect(filesUnder(dataDir, 'objects/.tmp')).toEqual([]);

  for (const [gridId, count] of accepted) {
    const response = await fetch(`${server.url}/generate_grid?uniqueGridId=${gridId}&tileSize=16`, {
      method: 'POST',
    });
    const body = (await response.json()) as { message: string; image_count: number };
    expect(response.status, `${gridId}: ${body.message}`).toBe(200);
    expect(body.image_count).toBe(count);
  }

  console.log(
    `[reliability] fuzz (seed ${SEED}): ${inputs.length} mutated inputs (${MUTATIONS.join(', ')}); ` +
      `answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; 5xx: 0; ` +
      `${acceptedTotal} accepted, all built into ${accepted.size} grids; nothing stored for the ${inputs.length - acceptedTotal} rejected`,
  );
});

function recode(jpeg: Buffer, { phone, progressive }: { phone: boolean; progressive: boolean }) {
  const image = sharp(jpeg);
  if (phone) image.withIccProfile('p3').withMetadata({ orientation: 6 });
  return image.jpeg({ quality: 80, progressive }).toBuffer();
}
