import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createGridBuilder } from '../../src/app/create-grid-builder.js';
import { loadConfig } from '../../src/config.js';
import { type Box, justifiedPlacement } from '../../src/core/layout.js';
import { createLogger } from '../../src/logger.js';
import { createAwsStorage } from '../../src/storage/aws/create-aws-storage.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/aws-servers.js';
import { decode, distinctColours } from '../support/image-inspection.js';
import {
  BLACK,
  BLUE,
  GREEN,
  MAGENTA,
  near,
  pixelAt,
  RED,
  rotatedImage,
  solidImage,
  stripedImage,
  YELLOW,
} from '../support/images.js';
import { STORAGE_BACKENDS, useBackendServer } from '../support/storage-backends.js';

// The lab's contract over HTTP, against the real GridBuilder server on each storage
// backend: what a client sees must not depend on where the images are kept. What each
// backend really stored is read past GridBuilder, through the backend's `stored` probe.

describe.each(STORAGE_BACKENDS)('the lab flow on $name', (backend) => {
  const server = useBackendServer(backend);

  const api = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  const post = (path: string, body?: BodyInit) =>
    api(path, { method: 'POST', ...(body === undefined ? {} : { body }) });
  const imageCount = async (grid: string) =>
    (await (await api(`/grids/${grid}`)).json()).image_count;

  async function fetchGrid(body: { presigned_url: string }) {
    const response = await fetch(body.presigned_url);
    expect(response.status).toBe(200);
    return {
      image: Buffer.from(await response.arrayBuffer()),
      contentType: response.headers.get('content-type'),
    };
  }

  describe('one grid from its first image to its deletion', () => {
    const colours = distinctColours(16);
    const imageIds: string[] = [];

    it('add_image stores 16 images with their type and records them', async () => {
      for (const [i, colour] of colours.entries()) {
        const jpeg = await solidImage(colour, 320 + i, 240);
        const response = await server.addImage('trip', jpeg, {
          // What `curl --data-binary` sends: the type must not matter.
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        expect(response.status).toBe(200);
        const body = await response.json();
        expect(body).toMatchObject({
          message: 'image saved',
          image_size: jpeg.length,
          width: 320 + i,
          height: 240,
          format: 'jpeg',
        });
        expect(body.key).toBe(`trip/${body.image_id}.jpg`);
        imageIds.push(body.image_id);
      }
      expect(await server.stored.keys('source', 'trip/')).toHaveLength(16);
      expect(await server.stored.contentType('source', `trip/${imageIds[0]}.jpg`)).toBe(
        'image/jpeg',
      );
    });

    it('generate_grid builds the 4x4 grid of 300-pixel tiles, and its presigned URL serves it', async () => {
      const response = await server.generateGrid('trip');
      expect(response.status).toBe(200);
      const built = await response.json();
      expect(built).toMatchObject({
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
      expect(new Date(built.expires_at).getTime()).toBeGreaterThan(Date.now() + 290_000);
      // The backend's own presigned link (the local files route, or S3), not a proxy in the API.
      expect(built.presigned_url.startsWith(`${server.linkPrefix('destination')}trip/grid-`)).toBe(
        true,
      );
      expect(new URL(built.presigned_url).searchParams.has(server.signatureParameter)).toBe(true);

      const { image, contentType } = await fetchGrid(built);
      expect(contentType).toBe('image/jpeg');
      const grid = await decode(image);
      expect([grid.width, grid.height, grid.format]).toEqual([1200, 1200, 'jpeg']);
      for (const [i, colour] of colours.entries()) {
        const centre = grid.pixel((i % 4) * 300 + 150, Math.floor(i / 4) * 300 + 150);
        expect(near(centre, colour, 16), `tile ${i}: ${centre} instead of ${colour}`).toBe(true);
      }

      const again = await (await server.generateGrid('trip')).json();
      expect(again).toMatchObject({ key: built.key, cached: true });
      expect(await server.stored.keys('destination', 'trip/')).toEqual([built.key]);
    });

    it('builds other formats with their content type', async () => {
      const built = await (
        await server.generateGrid('trip', { format: 'png', tileSize: 50, columns: 8 })
      ).json();
      expect(built).toMatchObject({ width: 400, height: 100, format: 'png' });
      const image = await fetch(built.presigned_url);
      expect(image.headers.get('content-type')).toBe('image/png');
    });

    it('GET /grids/ID lists the images in upload order with working links', async () => {
      const response = await api('/grids/trip');
      expect(response.status).toBe(200);
      const listing = await response.json();
      expect(listing.image_count).toBe(16);
      expect(listing.images.map((i: { image_id: string }) => i.image_id)).toEqual(imageIds);
      const first = await fetch(listing.images[0].url);
      expect(first.headers.get('content-type')).toBe('image/jpeg');
      expect((await decode(Buffer.from(await first.arrayBuffer()))).width).toBe(320);
      // 320 x 240 is smaller than a preview (and S3 serves the original as its preview).
      const preview = await fetch(listing.images[0].preview_url);
      expect(preview.status).toBe(200);
      expect((await decode(Buffer.from(await preview.arrayBuffer()))).width).toBe(320);
    });

    it('two-step upload: PUT to a presigned URL, then confirm', async () => {
      const big = await solidImage([250, 250, 250], 2000, 1500);
      const created = await post(`/grids/trip/uploads?size=${big.length}`);
      expect(created.status).toBe(201);
      const upload = await created.json();
      expect(upload.upload_url.startsWith(`${server.linkPrefix('source')}_uploads/trip/`)).toBe(
        true,
      );

      const put = await fetch(upload.upload_url, {
        method: 'PUT',
        body: new Uint8Array(big),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(put.status).toBe(200);

      const confirmed = await fetch(upload.confirm_url, { method: 'POST' });
      expect(confirmed.status).toBe(200);
      const saved = await confirmed.json();
      expect(saved).toMatchObject({
        message: 'image saved',
        key: `trip/${saved.image_id}.jpg`,
        width: 2000,
        height: 1500,
        image_size: big.length,
      });
      expect(saved.image_id > upload.upload_id).toBe(true);
      expect(await server.stored.keys('source', `_uploads/trip/${upload.upload_id}`)).toEqual([]);
      expect(await server.stored.keys('source', `trip/${saved.image_id}.jpg`)).toHaveLength(1);
      expect(await imageCount('trip')).toBe(17);
    });

    it('a two-step upload that is not an image is refused and deleted', async () => {
      const text = 'this is not an image';
      const upload = await (await post(`/grids/trip/uploads?size=${text.length}`)).json();
      await fetch(upload.upload_url, { method: 'PUT', body: text });
      const confirmed = await fetch(upload.confirm_url, { method: 'POST' });
      expect(confirmed.status).toBe(415);
      expect((await confirmed.json()).message).toMatch(/not an image/);
      expect(await server.stored.keys('source', `_uploads/trip/${upload.upload_id}`)).toEqual([]);
      expect(await imageCount('trip')).toBe(17);

      const never = await (await post('/grids/trip/uploads?size=1000')).json();
      expect((await fetch(never.confirm_url, { method: 'POST' })).status).toBe(404);
    });

    it('deletes one image (record and object), then the whole grid', async () => {
      const victim = imageIds[3];
      const deleted = await api(`/grids/trip/images/${victim}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(await server.stored.keys('source', `trip/${victim}.jpg`)).toEqual([]);
      const listing = await (await api('/grids/trip')).json();
      expect(listing.image_count).toBe(16);
      expect(listing.images.map((i: { image_id: string }) => i.image_id)).not.toContain(victim);
      expect((await api(`/grids/trip/images/${victim}`, { method: 'DELETE' })).status).toBe(404);

      const gone = await api('/grids/trip', { method: 'DELETE' });
      expect(gone.status).toBe(200);
      expect(await gone.json()).toMatchObject({ deleted_images: 16 });
      expect(await server.stored.keys('source', 'trip/')).toEqual([]);
      expect(await server.stored.keys('destination', 'trip/')).toEqual([]);
      expect(await imageCount('trip')).toBe(0);
      const empty = await server.generateGrid('trip');
      expect(empty.status).toBe(404);
      expect((await empty.json()).message).toMatch(/no images/);
    });
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

  it('writes each image’s name under its photo with labels=name', async () => {
    const named = (name: string) => `/add_image?uniqueGridId=named&name=${name}`;
    for (const [name, colour] of [
      ['red.png', RED],
      ['green.png', GREEN],
    ] as const) {
      const body = new Uint8Array(await solidImage(colour, 90, 70, 'png'));
      expect((await api(named(name), { method: 'POST', body })).status).toBe(200);
    }
    const options = { tileSize: 64, format: 'png', background: '#ffffff' };
    const plain = await (await server.generateGrid('named', options)).json();
    const body = await (await server.generateGrid('named', { ...options, labels: 'name' })).json();
    // One column of two, a band of 16 px under each row.
    expect(body).toMatchObject({ labels: 'name', width: 64, height: plain.height + 2 * 16 });
    expect(plain.labels).toBe('none');
    const { image } = await fetchGrid(body);
    // Each region's darkest red: sharp's stats() reads the whole image, not an extract.
    const darkestRed = async (top: number, height: number) =>
      Math.min(
        ...(
          await sharp(image).extract({ left: 0, top, width: 64, height }).raw().toBuffer()
        ).filter((_, i) => i % 3 === 0),
      );
    expect(await darkestRed(64, 16)).toBeLessThan(128); // dark ink on the white band
    expect(await darkestRed(0, 64)).toBeGreaterThan(180); // the red tile, untouched
  });

  it('puts the gap asked for between and around the tiles, in the background asked for', async () => {
    for (const colour of [RED, GREEN, BLUE])
      await server.addImage('spaced', await solidImage(colour, 90, 70, 'png'));
    // Sent as `%23ffffff` (a bare `#` would start the URL's fragment), and as `FFF`.
    const answers = [];
    for (const background of ['#ffffff', 'FFF']) {
      const response = await server.generateGrid('spaced', {
        tileSize: 40,
        gap: 10,
        background,
        format: 'png',
      });
      answers.push(await response.json());
    }
    expect(answers[1]).toMatchObject({ cached: true, key: answers[0].key });
    const body = answers[0];
    // One column of three: 40 + 2 * 10 wide, 3 * 40 + 4 * 10 high.
    expect(body).toMatchObject({ width: 60, height: 160, gap: 10, background: '#ffffff' });
    const { image } = await fetchGrid(body);
    for (const [x, y] of [
      [5, 5],
      [30, 5],
      [55, 80],
      [30, 55],
      [30, 155],
    ] as const)
      expect(await pixelAt(image, x, y), `(${x}, ${y})`).toEqual([255, 255, 255]);
    for (const [i, colour] of [RED, GREEN, BLUE].entries())
      expect(near(await pixelAt(image, 30, 30 + i * 50), colour), `tile ${i}`).toBe(true);
  });

  it('lays whole photos out in justified rows of the width asked for', async () => {
    // Landscape, portrait, wide and square; each photo's upright size is its record's.
    const photos = [
      [RED, 90, 60],
      [GREEN, 40, 80],
      [BLUE, 120, 40],
      [YELLOW, 60, 60],
      [MAGENTA, 80, 60],
    ] as const;
    for (const [colour, width, height] of photos)
      await server.addImage('rows', await solidImage(colour, width, height, 'png'));
    const options = { layout: 'justified', width: 200, tileSize: 40, gap: 4, background: 'fff' };
    const body = await (await server.generateGrid('rows', { ...options, format: 'png' })).json();
    const aspects = photos.map(([, width, height]) => width / height);
    const placement = justifiedPlacement(aspects, { width: 200, rowHeight: 40, gap: 4 });
    expect(placement.rows).toBeGreaterThan(1);
    expect(body).toMatchObject({
      layout: 'justified',
      width: 200,
      height: placement.height,
      rows: placement.rows,
      columns: placement.columns,
      tile_size: 40,
    });
    const { image } = await fetchGrid(body);
    const grid = await decode(image);
    expect([grid.width, grid.height]).toEqual([200, placement.height]);
    for (const [i, box] of placement.boxes.entries()) {
      const [colour] = photos[i] as (typeof photos)[number];
      const { left, top, width, height } = box;
      // Its corners and middle are its photo's; the gap before it and after the last row is background.
      for (const [x, y] of [
        [left, top],
        [left + width - 1, top + height - 1],
        [left + Math.floor(width / 2), top + Math.floor(height / 2)],
      ] as const)
        expect(near(grid.pixel(x, y), colour), `photo ${i}`).toBe(true);
      expect(grid.pixel(left - 1, top)).toEqual([255, 255, 255]);
    }
    const last = placement.boxes.at(-1) as Box;
    expect(grid.pixel(last.left + last.width, last.top)).toEqual([255, 255, 255]);
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

    const listing = await (await api('/grids/parallel')).json();
    expect(listing.image_count).toBe(40);
    const listedIds = listing.images.map((i: { image_id: string }) => i.image_id);
    expect(new Set(listedIds)).toEqual(new Set(saved.map((s) => s.image_id)));
    expect([...listedIds].sort()).toEqual(listedIds);
  });

  it('answers bad input with 4xx messages and stores nothing', async () => {
    const missing = await post('/add_image', new Uint8Array(await solidImage([1, 2, 3])));
    expect(missing.status).toBe(400);
    expect((await missing.json()).message).toMatch(/uniqueGridId/);
    expect((await post('/add_image?uniqueGridId=bad', new Uint8Array(0))).status).toBe(400);
    expect((await post('/add_image?uniqueGridId=bad', '<html>')).status).toBe(415);
    expect(await server.stored.keys('source', 'bad/')).toEqual([]);
  });

  it('answers CORS preflights and marks every response', async () => {
    const preflight = await api('/add_image?uniqueGridId=x', {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);

    const error = await server.addImage('', 'x');
    expect(error.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('reports healthy storage', async () => {
    const health = await api('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('when S3 or DynamoDB cannot be reached', () => {
  it('answers 503 with a message, never a 500 or a stack trace', async () => {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      STORAGE: 'aws',
      SOURCE_BUCKET: 'gridbuilder-source',
      DESTINATION_BUCKET: 'gridbuilder-destination',
      TABLE_NAME: 'GridBuilder',
    });
    const nowhere = 'http://127.0.0.1:9';
    const down = createGridBuilder(
      config,
      createLogger('silent'),
      createAwsStorage(config, {
        s3Endpoint: nowhere,
        dynamoDbEndpoint: nowhere,
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
        maxAttempts: 1,
      }),
    );
    try {
      const health = await down.app.request('/health');
      expect(health.status).toBe(503);
      expect((await health.json()).message).toMatch(/Storage cannot be reached/);

      const add = await down.app.request('/add_image?uniqueGridId=x', {
        method: 'POST',
        body: new Uint8Array(await solidImage([9, 9, 9])),
      });
      expect(add.status).toBe(503);
      const message = (await add.json()).message as string;
      expect(message).toMatch(/^Storage is unavailable: S3 could not store an object/);
      expect(message).not.toMatch(/\n\s+at /);

      const build = await down.app.request('/generate_grid?uniqueGridId=x', { method: 'POST' });
      expect(build.status).toBe(503);
      expect((await build.json()).message).toMatch(/DynamoDB/);
    } finally {
      down.close();
    }
  });
});
