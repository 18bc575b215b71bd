import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import sharp from 'sharp';
import { afterEach, describe, expect, test } from 'vitest';
import { createGridBuilder, type GridBuilder } from '../../src/app/create-grid-builder.js';
import { loadConfig } from '../../src/config.js';
import type { ImageRecord, Imaging } from '../../src/core/ports.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { createLogger } from '../../src/logger.js';
import { createLocalStorage } from '../../src/storage/local/create-local-storage.js';
import type { StorageBackend } from '../../src/storage/storage-backend.js';
import { HEIC_SOURCES, heicFixture, meanDifference } from '../support/heic-fixtures.js';
import { solidImage } from '../support/images.js';
import { pauseOnce } from '../support/pause-points.js';

// The local server's rendition worker, composed as the server composes it
// (createGridBuilder), served on 127.0.0.1, with pause points where a test needs one.

interface Served {
  url: string;
  gridBuilder: GridBuilder;
  dataDir: string;
  /** Stops serving and closes the GridBuilder (its worker, then its storage). */
  close(): Promise<void>;
}

const dataDirs: string[] = [];
const open: Served[] = [];
afterEach(async () => {
  for (const served of open.splice(0)) await served.close();
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serveGridBuilder(
  options: {
    env?: Record<string, string>;
    dataDir?: string;
    storage?: (storage: StorageBackend) => StorageBackend;
    imaging?: Imaging;
  } = {},
): Promise<Served> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gridbuilder-renditions-'));
  if (!dataDirs.includes(dataDir)) dataDirs.push(dataDir);
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env });
  const local = createLocalStorage(config);
  const gridBuilder = createGridBuilder(
    config,
    createLogger('silent'),
    options.storage?.(local) ?? local,
    { imaging: options.imaging },
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: gridBuilder.app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started),
    );
  });
  let closed = false;
  const served: Served = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gridBuilder,
    dataDir,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise((done) => server.close(done));
      await gridBuilder.close();
    },
  };
  open.push(served);
  return served;
}

const upload = async (served: Served, grid: string, bytes: Buffer) => {
  const answer = await fetch(`${served.url}/add_image?uniqueGridId=${grid}`, {
    method: 'POST',
    body: new Uint8Array(bytes),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as { key: string; image_id: string };
};

const listing = async (served: Served, grid: string) =>
  (await (await fetch(`${served.url}/grids/${grid}`)).json()) as {
    images: { image_id: string; preview_url: string }[];
  };

const storedRenditions = async (served: Served, grid: string, imageId: string) =>
  (
    await readdir(join(served.dataDir, 'objects/source/_renditions', grid, imageId)).catch(() => [])
  ).sort();

const recordOf = async (served: Served, grid: string, imageId: string) =>
  (await served.gridBuilder.service.listImages(grid)).images.find(
    (image) => image.imageId === imageId,
  ) as ImageRecord;

const photo = () => solidImage([120, 90, 60], 1279, 797);

describe('the local rendition worker', () => {
  test('makes the renditions of an uploaded image; the next build reads them and its preview links to the smallest', async () => {
    const served = await serveGridBuilder();
    const { key, image_id } = await upload(served, 'trip', await photo());
    await served.gridBuilder.renditions?.settled();
    expect(await storedRenditions(served, 'trip', image_id)).toEqual(['256.jpg', '640.jpg']);

    const [image] = (await listing(served, 'trip')).images;
    expect(image?.preview_url).toContain(`/_renditions/trip/${image_id}/256.jpg?`);
    const preview = await fetch(image?.preview_url as string);
    expect(preview.status).toBe(200);
    expect(await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).toMatchObject({
      format: 'jpeg',
      height: 256,
    });

    // Without its original a build can only have read the renditions (else it is 409).
    await rm(join(served.dataDir, 'objects/source', key));
    for (const tileSize of [100, 300]) {
      const built = await fetch(
        `${served.url}/generate_grid?uniqueGridId=trip&tileSize=${tileSize}`,
        { method: 'POST' },
      );
      expect(built.status).toBe(200);
    }
  });

  test('makes the renditions of a HEIC; a build that fits one never decodes the HEIC again', async () => {
    const served = await serveGridBuilder();
    const heic = await heicFixture('photo');
    const { key, image_id } = await upload(served, 'phone', heic);
    await served.gridBuilder.renditions?.settled();
    // 480x320: no 640 rendition, which would be an upscale.
    expect(await storedRenditions(served, 'phone', image_id)).toEqual(['256.jpg']);

    // The original, damaged: a build that decoded it would fail or differ.
    await writeFile(join(served.dataDir, 'objects/source', key), heic.subarray(0, 100));
    const built = await fetch(`${served.url}/generate_grid?uniqueGridId=phone&tileSize=100`, {
      method: 'POST',
    });
    expect(built.status).toBe(200);
    const grid = await fetch(((await built.json()) as { presigned_url: string }).presigned_url);
    const tile = await sharp(Buffer.from(await grid.arrayBuffer()))
      .png()
      .toBuffer();
    const expected = await sharp(await HEIC_SOURCES.photo())
      .resize(100, 100, { fit: 'cover' })
      .png()
      .toBuffer();
    expect(await meanDifference(tile, expected)).toBeLessThan(6);
  });

  test('gives an image stored without renditions its renditions once a listing meets it', async () => {
    const off = await serveGridBuilder({ env: { RENDITION_SIZES: '' } });
    expect(off.gridBuilder.renditions).toBeUndefined();
    const { image_id } = await upload(off, 'old', await photo());
    await off.close();

    const served = await serveGridBuilder({ dataDir: off.dataDir });
    expect((await recordOf(served, 'old', image_id)).renditions).toBeUndefined();
    await served.gridBuilder.renditions?.settled();
    expect((await recordOf(served, 'old', image_id)).renditions).toEqual([256, 640]);
    expect(await storedRenditions(served, 'old', image_id)).toEqual(['256.jpg', '640.jpg']);
  });

  test('waits while an upload is being validated', async () => {
    const { port: imaging, pause } = pauseOnce(sharpImaging, 'probe');
    const served = await serveGridBuilder({ imaging });
    const held = upload(served, 'busy', await photo()); // holds a validation slot
    await pause.reached;

    const { image_id } = await upload(served, 'busy', await photo());
    // Queued when it was stored, before the answer: the worker now waits for the slot.
    expect(served.gridBuilder.renditions?.state).toBe('waiting');
    expect(await storedRenditions(served, 'busy', image_id)).toEqual([]);

    pause.release();
    const other = await held;
    await served.gridBuilder.renditions?.settled();
    expect(await storedRenditions(served, 'busy', image_id)).toEqual(['256.jpg', '640.jpg']);
    expect(await storedRenditions(served, 'busy', other.image_id)).toEqual(['256.jpg', '640.jpg']);
  });

  test('stops on close: the rendition in flight finishes, the queued ones wait for the lazy path', async () => {
    let pause: ReturnType<typeof pauseOnce>['pause'] | undefined;
    const served = await serveGridBuilder({
      storage: (storage) => {
        const paused = pauseOnce(storage.objects, 'put', (_bucket, key) =>
          String(key).startsWith('_renditions/'),
        );
        pause = paused.pause;
        return { ...storage, objects: paused.port };
      },
    });
    const first = await upload(served, 'closing', await photo());
    const second = await upload(served, 'closing', await photo());
    await pause?.reached;

    const closing = served.close();
    pause?.release();
    await closing;

    const reopened = await serveGridBuilder({
      dataDir: served.dataDir,
      env: { RENDITION_SIZES: '' },
    });
    expect((await recordOf(reopened, 'closing', first.image_id)).renditions).toEqual([256, 640]);
    expect((await recordOf(reopened, 'closing', second.image_id)).renditions).toBeUndefined();
  });
});
