import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLACK,
  BLUE,
  GREEN,
  MAGENTA,
  near,
  pixelAt,
  RED,
  type Rgb,
  rotatedImage,
  solidImage,
  stripedImage,
  YELLOW,
} from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDataDir(server);
});

async function fetchGrid(body: { presigned_url: string }) {
  const response = await fetch(body.presigned_url);
  expect(response.status).toBe(200);
  return {
    image: Buffer.from(await response.arrayBuffer()),
    contentType: response.headers.get('content-type'),
  };
}

describe('the lab flow', () => {
  it('adds 16 images and builds a 4x4 grid of 300-pixel tiles', async () => {
    const colours: Rgb[] = Array.from({ length: 16 }, (_, i) => [
      i * 15,
      255 - i * 15,
      (i * 70) % 256,
    ]);
    for (const colour of colours) {
      const response = await server.addImage('lab', await solidImage(colour, 640, 480), {
        // What `curl --data-binary` sends: the type must not matter.
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body).toMatchObject({
        message: 'image saved',
        width: 640,
        height: 480,
        format: 'jpeg',
      });
      expect(body.image_size).toBeGreaterThan(0);
      expect(body.key).toBe(`lab/${body.image_id}.jpg`);
    }

    const response = await server.generateGrid('lab');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      message: 'built grid',
      width: 1200,
      height: 1200,
      columns: 4,
      rows: 4,
      image_count: 16,
      tile_size: 300,
      format: 'jpeg',
      cached: false,
    });
    expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now() + 290_000);
    expect(body.presigned_url).toMatch(new RegExp(`^${server.url}/files/destination/lab/grid-`));

    const { image, contentType } = await fetchGrid(body);
    expect(contentType).toBe('image/jpeg');
    expect(await sharp(image).metadata()).toMatchObject({
      format: 'jpeg',
      width: 1200,
      height: 1200,
    });
    for (const [i, colour] of colours.entries()) {
      const x = (i % 4) * 300 + 150;
      const y = Math.floor(i / 4) * 300 + 150;
      expect(near(await pixelAt(image, x, y), colour), `tile ${i}`).toBe(true);
    }
  });

  it('places tiles in upload order, row-major, with black empty cells', async () => {
    const colours = [RED, GREEN, BLUE, YELLOW, MAGENTA];
    for (const colour of colours)
      expect((await server.addImage('order', await solidImage(colour))).status).toBe(200);

    const body = await (await server.generateGrid('order', { tileSize: 100 })).json();
    expect(body).toMatchObject({ columns: 2, rows: 3, width: 200, height: 300 });
    const { image } = await fetchGrid(body);
    const expected = [...colours, BLACK];
    for (const [i, colour] of expected.entries()) {
      const pixel = await pixelAt(image, (i % 2) * 100 + 50, Math.floor(i / 2) * 100 + 50);
      expect(near(pixel, colour), `tile ${i}: ${pixel}`).toBe(true);
    }
  });

  it('turns an EXIF orientation 6 photo upright before cropping', async () => {
    const upload = await (await server.addImage('rotated', await rotatedImage())).json();
    expect(upload).toMatchObject({ width: 100, height: 200 });

    const { image } = await fetchGrid(
      await (await server.generateGrid('rotated', { tileSize: 100 })).json(),
    );
    // Upright, the photo is red above blue; its centre square keeps that split.
    expect(near(await pixelAt(image, 50, 10), RED)).toBe(true);
    expect(near(await pixelAt(image, 50, 90), BLUE)).toBe(true);
    expect(near(await pixelAt(image, 10, 10), RED)).toBe(true);
    expect(near(await pixelAt(image, 90, 10), RED)).toBe(true);
  });

  it('crops to the centre square', async () => {
    await server.addImage('crop', await stripedImage([RED, GREEN, BLUE], 100, 100));
    const { image } = await fetchGrid(
      await (await server.generateGrid('crop', { tileSize: 60 })).json(),
    );
    for (const x of [2, 30, 57])
      expect(near(await pixelAt(image, x, 30), GREEN), `x=${x}`).toBe(true);
  });

  it.each([
    ['png', 'image/png'],
    ['webp', 'image/webp'],
    ['avif', 'image/avif'],
    ['jpeg', 'image/jpeg'],
  ])('builds %s with the options asked for', async (format, contentType) => {
    const grid = `format-${format}`;
    for (const colour of [RED, GREEN, BLUE])
      await server.addImage(grid, await solidImage(colour, 80, 120, 'png'));
    const body = await (
      await server.generateGrid(grid, { tileSize: 40, columns: 3, format })
    ).json();
    expect(body).toMatchObject({
      width: 120,
      height: 40,
      columns: 3,
      rows: 1,
      tile_size: 40,
      format,
    });
    expect(body.key).toMatch(new RegExp(`\\.${format === 'jpeg' ? 'jpg' : format}$`));
    const { image, contentType: served } = await fetchGrid(body);
    expect(served).toBe(contentType);
    const metadata = await sharp(image).metadata();
    expect(metadata).toMatchObject({ width: 120, height: 40 });
    expect(near(await pixelAt(image, 100, 20), BLUE)).toBe(true);
  });

  it('reuses the stored grid until the grid or the options change', async () => {
    for (const colour of [RED, GREEN]) await server.addImage('cache', await solidImage(colour));
    const first = await (await server.generateGrid('cache')).json();
    const second = await (await server.generateGrid('cache')).json();
    expect(first.cached).toBe(false);
    expect(second).toMatchObject({ cached: true, key: first.key });
    expect(second.presigned_url).not.toBe(undefined);
    expect((await fetch(second.presigned_url)).status).toBe(200);

    const otherOptions = await (await server.generateGrid('cache', { tileSize: 100 })).json();
    expect(otherOptions.cached).toBe(false);

    await server.addImage('cache', await solidImage(BLUE));
    const afterAdd = await (await server.generateGrid('cache')).json();
    expect(afterAdd).toMatchObject({ cached: false, image_count: 3 });
    expect(afterAdd.key).not.toBe(first.key);
  });

  it('accepts every supported input format', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const) {
      const response = await server.addImage('formats', await solidImage(GREEN, 40, 30, format));
      expect(response.status, format).toBe(200);
      expect(await response.json()).toMatchObject({ format, width: 40, height: 30 });
    }
    const body = await (await server.generateGrid('formats', { tileSize: 20 })).json();
    expect(body).toMatchObject({ image_count: 6, columns: 2, rows: 3 });
    const { image } = await fetchGrid(body);
    for (let i = 0; i < 6; i++) {
      expect(
        near(await pixelAt(image, (i % 2) * 20 + 10, Math.floor(i / 2) * 20 + 10), GREEN),
        `tile ${i}`,
      ).toBe(true);
    }
  });

  it('lists all of 40 parallel uploads to one grid, in upload order', async () => {
    const image = await solidImage(RED, 32, 32);
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => server.addImage('parallel', image)),
    );
    const saved = await Promise.all(responses.map((r) => r.json()));
    expect(responses.every((r) => r.status === 200)).toBe(true);

    const listing = await (await fetch(`${server.url}/grids/parallel`)).json();
    expect(listing.image_count).toBe(40);
    const listedIds = listing.images.map((i: { image_id: string }) => i.image_id);
    expect(new Set(listedIds)).toEqual(new Set(saved.map((s) => s.image_id)));
    expect([...listedIds].sort()).toEqual(listedIds);
  });

  it('answers CORS preflights and marks every response', async () => {
    const preflight = await fetch(`${server.url}/add_image?uniqueGridId=x`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);

    const error = await server.addImage('', 'x');
    expect(error.headers.get('access-control-allow-origin')).toBe('*');
  });
});
