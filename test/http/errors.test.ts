import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { GREEN, RED, solidImage } from '../support/images.js';
import { useTestServer } from '../support/local-server.js';

const MAX_UPLOAD_BYTES = 300_000;
const MAX_INPUT_PIXELS = 4_000_000;

const server = useTestServer({
  MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
  MAX_INPUT_PIXELS: String(MAX_INPUT_PIXELS),
});
let goodKeys: string[];

/** Every file under the data folder's objects/ (temp files included): must not change on bad input. */
const storedFiles = () =>
  readdirSync(join(server.dataDir, 'objects'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();

/** A PNG whose header claims `width` x `height`, with a valid header checksum. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solidImage(RED, 8, 8, 'png'));
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

beforeAll(async () => {
  goodKeys = [];
  for (const colour of [RED, GREEN]) {
    goodKeys.push((await (await server.addImage('kept', await solidImage(colour))).json()).key);
  }
});

async function expectError(response: Response, status: number | number[], message: RegExp) {
  expect([status].flat()).toContain(response.status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = expectErrorBody(await response.json());
  expect(body.message).toMatch(message);
  expect(body.message).not.toMatch(/\n\s+at /); // never a stack trace
}

describe('every row of the error table answers 4xx JSON and stores nothing', () => {
  let before: string[];
  beforeAll(() => {
    before = storedFiles();
  });

  it('uniqueGridId missing', async () => {
    const image = await solidImage(RED);
    await expectError(
      await fetch(`${server.url}/add_image`, { method: 'POST', body: new Uint8Array(image) }),
      400,
      /missing/,
    );
    await expectError(
      await fetch(`${server.url}/generate_grid`, { method: 'POST' }),
      400,
      /missing/,
    );
    await expectError(await server.addImage('', image), 400, /missing/);
  });

  it.each(['-dash', '.dot', 'a b', 'x'.repeat(129), '../kept', 'kept/x', 'ünï'])(
    'uniqueGridId %j malformed',
    async (id) => {
      await expectError(await server.addImage(id, await solidImage(RED)), 400, /1-128 characters/);
      await expectError(await server.generateGrid(id), 400, /1-128 characters/);
    },
  );

  it('empty body', async () => {
    await expectError(await server.addImage('kept', new Uint8Array(0)), 400, /empty/);
    await expectError(
      await fetch(`${server.url}/add_image?uniqueGridId=kept`, { method: 'POST' }),
      400,
      /empty/,
    );
  });

  it('body over the size limit, by Content-Length and while streaming', async () => {
    const big = new Uint8Array(MAX_UPLOAD_BYTES + 1);
    await expectError(
      await server.addImage('kept', big),
      413,
      /larger than the 300,000-byte limit/,
    );
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(50_000));
        controller.close();
      },
    });
    const response = await server.addImage(
      'kept',
      stream as unknown as Uint8Array,
      { duplex: 'half' } as RequestInit,
    );
    await expectError(response, 413, /limit/);
  });

  it('not an image', async () => {
    await expectError(
      await server.addImage('kept', 'hello, I am text'),
      415,
      /jpeg, png, webp, gif, avif, tiff/,
    );
    await expectError(await server.addImage('kept', '{"json": true}'), 415, /not an image/);
  });

  it('a multipart form upload (curl -F) says to send the raw bytes', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await solidImage(RED))]), 'photo.jpg');
    await expectError(
      await fetch(`${server.url}/add_image?uniqueGridId=kept`, { method: 'POST', body: form }),
      415,
      /multipart form.*raw image bytes.*curl --data-binary @photo\.jpg/,
    );
    // The same body without its Content-Type (as a proxy might pass it on).
    const body = Buffer.from(await new Response(form).arrayBuffer());
    await expectError(
      await server.addImage('kept', body, {
        headers: { 'content-type': 'application/octet-stream' },
      }),
      415,
      /multipart form.*curl --data-binary @photo\.jpg/,
    );
  });

  it('an unsupported image format (SVG, BMP)', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    await expectError(await server.addImage('kept', svg), 415, /Unsupported image format "svg"/);
    const bmp = Buffer.alloc(70);
    bmp.write('BM', 0);
    await expectError(await server.addImage('kept', bmp), 415, /jpeg, png/);
  });

  it('a truncated or corrupt image', async () => {
    const jpeg = await solidImage(RED, 400, 300);
    await expectError(
      await server.addImage('kept', jpeg.subarray(0, jpeg.length / 2)),
      [415, 422],
      /truncated|corrupt/,
    );
    const corrupt = Buffer.from(jpeg);
    corrupt.fill(0xff, 100, 200); // inside the quantisation and Huffman tables
    await expectError(await server.addImage('kept', corrupt), [415, 422], /truncated|corrupt/);
    const png = await solidImage(RED, 300, 300, 'png');
    await expectError(
      await server.addImage('kept', png.subarray(0, png.length - 30)),
      [415, 422],
      /truncated|corrupt/,
    );
  });

  it('an image over the pixel limit (decompression bomb)', async () => {
    await expectError(
      await server.addImage('kept', await pngClaiming(100_000, 100_000)),
      [413, 422],
      /pixels/,
    );
    const real = await sharp({
      create: { width: 2100, height: 2000, channels: 3, background: '#000' },
    })
      .png()
      .toBuffer();
    expect(real.length).toBeLessThan(MAX_UPLOAD_BYTES);
    await expectError(
      await server.addImage('kept', real),
      [413, 422],
      /more than 4,000,000 pixels/,
    );
  });

  it.each([
    [{ tileSize: 'abc' }, /tileSize must be a whole number/],
    [{ tileSize: '0' }, /tileSize must be a whole number from 8 to 4096/],
    [{ tileSize: '5000' }, /tileSize/],
    [{ tileSize: '10.5' }, /tileSize/],
    [{ columns: '0' }, /columns must be a whole number from 1 to 1000/],
    [{ columns: 'many' }, /columns/],
    [{ format: 'bmp' }, /format must be one of jpeg, png, webp, avif/],
    [{ crop: 'smart' }, /crop must be one of center, attention, entropy\./],
    [{ crop: 'Center' }, /crop must be one of center, attention, entropy\./],
    [{ gap: '-1' }, /gap must be a whole number from 0 to 256\./],
    [{ gap: '257' }, /gap must be a whole number from 0 to 256\./],
    [{ gap: 'wide' }, /gap must be a whole number/],
    [{ background: 'white' }, /background must be a colour as 6 hex digits/],
    [{ background: '#12345' }, /background must be a colour as 6 hex digits/],
    [{ background: '' }, /background must be a colour/],
    [{ layout: 'rows' }, /layout must be one of grid, justified\./],
    [{ labels: 'names' }, /labels must be one of none, name\./],
    [{ labels: 'Name' }, /labels must be one of none, name\./],
    [{ layout: 'Justified' }, /layout must be one of grid, justified\./],
    [{ layout: 'justified', width: '15' }, /width must be a whole number from 16 to 65535\./],
    [{ layout: 'justified', width: '65536' }, /width must be a whole number from 16 to 65535\./],
    [{ layout: 'justified', width: '1e3' }, /width must be a whole number/],
    [{ layout: 'justified', width: '20', gap: '10' }, /width must be at least 21 with gap=10/],
    [{ width: '300' }, /width applies to layout=justified only/],
    // Number() reads hex, exponents and surrounding spaces; a grid option is plain digits.
    [{ tileSize: '0x40' }, /tileSize must be a whole number from 8 to 4096/],
    [{ tileSize: '1e2' }, /tileSize must be a whole number/],
    [{ tileSize: ' 100' }, /tileSize must be a whole number/],
    [{ tileSize: '100 ' }, /tileSize must be a whole number/],
    [{ tileSize: '+100' }, /tileSize must be a whole number/],
    [{ tileSize: '' }, /tileSize must be a whole number/],
    [{ columns: '0x2' }, /columns must be a whole number from 1 to 1000/],
    [{ columns: '2e0' }, /columns must be a whole number/],
  ])('build option %j out of range or malformed', async (options, message) => {
    await expectError(await server.generateGrid('kept', options), 400, message);
  });

  it('a grid whose output would exceed the format or the configured limit', async () => {
    // 'kept' holds 2 images. 20480x4096: too wide for webp and avif; jpeg and png fit.
    const wideWebp = await server.generateGrid('kept', {
      format: 'webp',
      tileSize: 4096,
      columns: 5,
    });
    await expectError(wideWebp, 400, /larger than webp allows.*format=jpeg or png\.$/);
    await expectError(
      await server.generateGrid('kept', { tileSize: 4096, columns: 10 }),
      413,
      /pixels allowed/,
    );
  });

  it('an over-wide jpeg grid suggests only the formats that would fit', async () => {
    // 100000x100: past libjpeg's 65,535 a side; only png takes that width.
    const response = await server.generateGrid('kept', { tileSize: 100, columns: 1000 });
    const body = await response.clone().json();
    await expectError(response, 400, /larger than jpeg allows.*format=png\.$/);
    expect(body.message).not.toMatch(/format=jpeg/);
  });

  it.each([
    // 8192x4096, 33.6 MP: within MAX_OUTPUT_PIXELS (150 MP) but past avif's 15 MP.
    [
      'avif',
      { tileSize: 4096, columns: 2 },
      /15,000,000 pixels.*avif.*format=jpeg, png or webp\.$/,
    ],
    // 12288x4096, 50.3 MP: past webp's 37.5 MP.
    ['webp', { tileSize: 4096, columns: 3 }, /37,500,000 pixels.*webp.*format=jpeg or png\.$/],
  ] as const)(
    "a %s grid past that encoder's pixel limit names the limit and what fits",
    async (format, options, message) => {
      const response = await server.generateGrid('kept', { format, ...options });
      await expectError(response, 413, message);
    },
  );

  it('generate_grid for a grid with no images', async () => {
    await expectError(await server.generateGrid('never-used'), 404, /has no images/);
  });

  it('an unknown route', async () => {
    await expectError(await fetch(`${server.url}/nope`), 404, /No route for GET \/nope/);
  });

  it('left the stored images and files exactly as they were', async () => {
    expect(storedFiles()).toEqual(before);
    const listing = await (await fetch(`${server.url}/grids/kept`)).json();
    expect(listing.images.map((i: { key: string }) => i.key)).toEqual(goodKeys);
    const built = await server.generateGrid('kept');
    expect(built.status).toBe(200);
    expect((await fetch((await built.json()).presigned_url)).status).toBe(200);
  });
});
