import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { noisyPng } from '../support/images.js';
import { startTestServer, type TestServer } from '../support/local-server.js';
import { mountTmpfs } from '../support/tmpfs.js';

/**
 * Issue 12, defect 6: DATA_DIR on a 4 MiB tmpfs, filled through the API. Each step
 * builds on the one before (the disk stays full until the grid is deleted).
 */
const tmpfs = mountTmpfs('4m');
const GRID = 'full-disk';

interface Saved {
  image_id: string;
  key: string;
  image_size: number;
}

describe.skipIf(!tmpfs.dir)(
  `a full disk${tmpfs.reason ? ` (skipped: ${tmpfs.reason})` : ''}`,
  () => {
    let server: TestServer;
    const saved: Saved[] = [];
    const refusals: { status: number; message: string }[] = [];

    beforeAll(async () => {
      // Renditions off: the files must be exactly the saved images, and a rendition made
      // in the background would take space at a moment no test chooses.
      server = await startTestServer(
        { STORAGE_RESERVE_BYTES: String(512 * 1024), RENDITION_SIZES: '' },
        tmpfs.dir,
      );
    });

    afterAll(async () => {
      await server?.close();
      tmpfs.unmount();
    });

    /** Every file under DATA_DIR/objects, as "bucket/key" -> size. */
    const objectFiles = () => {
      const root = join(server.dataDir, 'objects');
      const files = new Map<string, number>();
      for (const entry of readdirSync(root, { recursive: true }) as string[]) {
        const info = statSync(join(root, entry));
        if (info.isFile())
          files.set(relative(root, join(root, entry)).split(sep).join('/'), info.size);
      }
      return files;
    };

    it('answers uploads that no longer fit with 507 "storage is full", never 500', async () => {
      // Smaller and smaller images, each size until one is refused: at the end not even
      // a tiny PNG fits, so the disk is full down to its last page (and SQLite's WAL too).
      for (const side of [300, 100, 30, 8]) {
        const image = await noisyPng(side, side);
        for (let attempt = 0; attempt < 60; attempt++) {
          const response = await server.addImage(GRID, image);
          const body = await response.json();
          if (response.status === 200) {
            saved.push(body as Saved);
            continue;
          }
          refusals.push({ status: response.status, message: body.message });
          break;
        }
      }
      expect(saved.length).toBeGreaterThan(5);
      expect(refusals).toHaveLength(4); // each size filled the disk up to its refusal
      for (const refusal of refusals) {
        expect(refusal).toEqual({
          status: 507,
          message: expect.stringMatching(/storage is full/i),
        });
      }
    });

    it('leaves no zero-byte or partial file behind: the objects are exactly the saved images', async () => {
      const expected = new Map(saved.map((image) => [`source/${image.key}`, image.image_size]));
      expect(objectFiles()).toEqual(expected);
      const listing = await (await fetch(`${server.url}/grids/${GRID}`)).json();
      expect(listing.images.map((image: Saved) => image.image_id)).toEqual(
        saved.map((image) => image.image_id),
      );
    });

    it('reports the condition on /health', async () => {
      const response = await fetch(`${server.url}/health`);
      expect(response.status).toBe(503);
      expect(expectErrorBody(await response.json()).message).toMatch(/storage is full/i);
    });

    it('answers a build whose grid does not fit with 507 and keeps no partial grid', async () => {
      const response = await server.generateGrid(GRID, { tileSize: 400, format: 'png' });
      expect(response.status).toBe(507);
      expect(expectErrorBody(await response.json(), 'storage_full').message).toMatch(
        /storage is full/i,
      );
      expect([...objectFiles().keys()].filter((file) => !file.startsWith('source/'))).toEqual([]);
    });

    it('answers a two-step upload PUT that does not fit with 507 and keeps no partial file', async () => {
      const png = new Uint8Array(await noisyPng(300, 300));
      const created = await fetch(`${server.url}/grids/${GRID}/uploads?size=${png.length}`, {
        method: 'POST',
      });
      expect(created.status).toBe(201);
      const { upload_url } = await created.json();
      const put = await fetch(upload_url, { method: 'PUT', body: png });
      expect(put.status).toBe(507);
      expect(expectErrorBody(await put.json()).message).toMatch(/storage is full/i);
      expect(objectFiles().size).toBe(saved.length);
    });

    it('still deletes an image and then the grid, which frees the space', async () => {
      const first = saved[0] as Saved;
      const one = await fetch(`${server.url}/grids/${GRID}/images/${first.image_id}`, {
        method: 'DELETE',
      });
      expect(one.status).toBe(200);
      const grid = await fetch(`${server.url}/grids/${GRID}`, { method: 'DELETE' });
      expect(grid.status).toBe(200);
      expect((await grid.json()).deleted_images).toBe(saved.length - 1);
      expect(objectFiles().size).toBe(0);
    });

    it('is healthy again and takes uploads once space is back', async () => {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const again = await server.addImage(GRID, await noisyPng(300, 300));
      expect(again.status).toBe(200);
    });
  },
);
