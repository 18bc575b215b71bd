import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HEIC_SOURCES, heicFixture, meanDifference } from '../support/heic-fixtures.js';
import { naturalPhotoJpeg } from '../support/images.js';
import { useTestServer } from '../support/local-server.js';

// HEIC uploads on the local server; no renditions, so the build decodes the HEIC itself.
const server = useTestServer({ RENDITION_SIZES: '' });

/** The tile at `index` of a one-row grid, as a PNG. */
const tileOf = (grid: Buffer, index: number, tileSize: number) =>
  sharp(grid)
    .extract({ left: index * tileSize, top: 0, width: tileSize, height: tileSize })
    .png()
    .toBuffer();

describe('a HEIC upload', () => {
  it('is stored as .heic, image/heic, and listed', async () => {
    const heic = await heicFixture('turned');
    const answer = await server.addImage('phone', new Uint8Array(heic));
    expect(answer.status).toBe(200);
    const saved = await answer.json();
    expect(saved).toMatchObject({ format: 'heic', width: 480, height: 320 });
    expect(saved.key).toBe(`phone/${saved.image_id}.heic`);
    expect(await readFile(join(server.dataDir, 'objects/source', saved.key))).toEqual(heic);

    const listed = await (await fetch(`${server.url}/grids/phone`)).json();
    expect(listed.images).toMatchObject([{ image_id: saved.image_id, format: 'heic' }]);
    const download = await fetch(listed.images[0].url);
    expect(download.headers.get('content-type')).toBe('image/heic');
  });

  it('builds among JPEGs: its tile is the tile of the same photo as a JPEG', async () => {
    for (const image of [
      await heicFixture('photo'),
      await HEIC_SOURCES.photo(),
      await naturalPhotoJpeg(480, 320, { seed: 9 }),
    ]) {
      expect((await server.addImage('mixed', new Uint8Array(image))).status).toBe(200);
    }
    const built = await server.generateGrid('mixed', { tileSize: 100, columns: 3, format: 'png' });
    expect(built.status).toBe(200);
    const grid = Buffer.from(await (await fetch((await built.json()).presigned_url)).arrayBuffer());
    const [heic, jpeg, other] = await Promise.all([0, 1, 2].map((i) => tileOf(grid, i, 100)));
    expect(await meanDifference(heic as Buffer, jpeg as Buffer)).toBeLessThan(4);
    expect(await meanDifference(heic as Buffer, other as Buffer)).toBeGreaterThan(20);
  });
});
