import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { BLUE, GREEN, near, pixelAt, RED, solidImage } from '../support/images.js';
import { useTestServer } from '../support/local-server.js';

const server = useTestServer({ MAX_UPLOAD_BYTES: '500000' });

const listing = async (gridId: string) => (await fetch(`${server.url}/grids/${gridId}`)).json();
const filesUnder = (bucket: string) => {
  try {
    return readdirSync(join(server.dataDir, 'objects', bucket), {
      recursive: true,
      withFileTypes: true,
    }).filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
};

describe('grid resource routes', () => {
  it('list a grid in upload order with working links', async () => {
    const ids: string[] = [];
    for (const colour of [RED, GREEN, BLUE]) {
      ids.push(
        (await (await server.addImage('res', await solidImage(colour, 50, 40, 'png'))).json())
          .image_id,
      );
    }
    const body = await listing('res');
    expect(body).toMatchObject({ uniqueGridId: 'res', image_count: 3 });
    expect(body.images.map((i: { image_id: string }) => i.image_id)).toEqual(ids);
    const first = body.images[0];
    expect(first).toMatchObject({ width: 50, height: 40, format: 'png', key: `res/${ids[0]}.png` });
    expect(new Date(first.uploaded_at).getTime()).toBeLessThanOrEqual(Date.now());
    const image = await fetch(first.url);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(first.image_size).toBe(Number(image.headers.get('content-length')));
    expect(near(await pixelAt(Buffer.from(await image.arrayBuffer()), 5, 5), RED)).toBe(true);
  });

  it('list an unknown grid as empty', async () => {
    expect(await listing('nothing-here')).toEqual({
      uniqueGridId: 'nothing-here',
      image_count: 0,
      images: [],
      next_cursor: null,
    });
  });

  it('delete one image, which leaves the grid and changes its build', async () => {
    const before = await listing('res');
    const built = await (await server.generateGrid('res')).json();
    const removed = before.images[1];
    const response = await fetch(`${server.url}/grids/res/images/${removed.image_id}`, {
      method: 'DELETE',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ message: 'image deleted', uniqueGridId: 'res' });

    const after = await listing('res');
    expect(after.images.map((i: { image_id: string }) => i.image_id)).toEqual([
      before.images[0].image_id,
      before.images[2].image_id,
    ]);
    expect((await fetch(removed.url)).status).toBe(404);

    const rebuilt = await (await server.generateGrid('res', { tileSize: 50 })).json();
    expect(rebuilt).toMatchObject({ image_count: 2, cached: false, width: 50, height: 100 });
    expect(rebuilt.key).not.toBe(built.key);
    const image = Buffer.from(await (await fetch(rebuilt.presigned_url)).arrayBuffer());
    expect(near(await pixelAt(image, 25, 25), RED)).toBe(true);
    expect(near(await pixelAt(image, 25, 75), BLUE)).toBe(true);

    const again = await fetch(`${server.url}/grids/res/images/${removed.image_id}`, {
      method: 'DELETE',
    });
    expect(again.status).toBe(404);
    const malformed = await fetch(`${server.url}/grids/res/images/nope`, { method: 'DELETE' });
    expect(malformed.status).toBe(400);
  });

  it('delete a whole grid: images, records and built grids', async () => {
    await server.addImage('gone', await solidImage(RED));
    await server.generateGrid('gone');
    const sourceFiles = filesUnder('source');
    const response = await fetch(`${server.url}/grids/gone`, { method: 'DELETE' });
    expect(await response.json()).toEqual({
      message: 'grid deleted',
      uniqueGridId: 'gone',
      deleted_images: 1,
    });
    expect(await listing('gone')).toMatchObject({ image_count: 0 });
    expect(filesUnder('source')).toBe(sourceFiles - 1);
    expect(readdirSync(join(server.dataDir, 'objects', 'destination', 'gone'))).toEqual([]);
    expect((await server.generateGrid('gone')).status).toBe(404);
    expect((await listing('res')).image_count).toBe(2);
  });

  it('take a large image in two steps: upload URL, PUT, confirm', async () => {
    const image = await sharp({
      create: { width: 1200, height: 900, channels: 3, background: '#2040e0' },
    })
      .jpeg()
      .toBuffer();
    const create = await fetch(`${server.url}/grids/big/uploads?size=${image.length}`, {
      method: 'POST',
    });
    expect(create.status).toBe(201);
    const upload = await create.json();
    expect(upload).toMatchObject({ message: 'upload url created', method: 'PUT' });
    expect(upload.confirm_url).toBe(`${server.url}/grids/big/uploads/${upload.upload_id}/confirm`);

    const early = await fetch(upload.confirm_url, { method: 'POST' });
    expect(early.status).toBe(404);
    expect(expectErrorBody(await early.json()).message).toMatch(
      /PUT the image to its upload_url first/,
    );

    expect(
      (await fetch(upload.upload_url, { method: 'PUT', body: new Uint8Array(image) })).status,
    ).toBe(200);
    const confirmed = await fetch(upload.confirm_url, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    const saved = await confirmed.json();
    expect(saved).toMatchObject({
      message: 'image saved',
      width: 1200,
      height: 900,
      image_size: image.length,
    });
    // A new id at the confirm: the image's place in the grid is its confirm time.
    expect(saved.image_id > upload.upload_id).toBe(true);
    expect((await listing('big')).image_count).toBe(1);
    // Nothing waits any more: a second confirm adds nothing.
    expect((await fetch(upload.confirm_url, { method: 'POST' })).status).toBe(404);
    expect((await listing('big')).image_count).toBe(1);
  });

  it('refuse a second PUT to a confirmed upload link: it is single-use', async () => {
    const jpeg = await solidImage(RED, 300, 200);
    const upload = await (
      await fetch(`${server.url}/grids/once/uploads?size=${jpeg.length}`, { method: 'POST' })
    ).json();
    expect(
      (await fetch(upload.upload_url, { method: 'PUT', body: new Uint8Array(jpeg) })).status,
    ).toBe(200);
    expect((await fetch(upload.confirm_url, { method: 'POST' })).status).toBe(200);

    const again = await fetch(upload.upload_url, {
      method: 'PUT',
      body: new Uint8Array(await solidImage(GREEN, 300, 200, 'png')),
    });
    expect(again.status).toBe(409);
    expect(expectErrorBody(await again.json()).message).toMatch(/used already/);
    expect(readdirSync(join(server.dataDir, 'objects', 'source', '_uploads', 'once'))).toEqual([]);
    expect((await listing('once')).image_count).toBe(1);
  });

  it('reject and delete a two-step upload that is not an image', async () => {
    const text = 'not an image at all';
    const upload = await (
      await fetch(`${server.url}/grids/big/uploads?size=${text.length}`, { method: 'POST' })
    ).json();
    await fetch(upload.upload_url, { method: 'PUT', body: text });
    const confirmed = await fetch(upload.confirm_url, { method: 'POST' });
    expect(confirmed.status).toBe(415);
    expect(expectErrorBody(await confirmed.json()).message).toMatch(/not an image/);
    expect((await listing('big')).image_count).toBe(1);
    expect(readdirSync(join(server.dataDir, 'objects', 'source', '_uploads', 'big'))).toEqual([]);
  });

  it('refuse a two-step upload over the size limit when it asks for its link', async () => {
    const response = await fetch(`${server.url}/grids/big/uploads?size=500001`, {
      method: 'POST',
    });
    expect(response.status).toBe(413);
  });
});

describe('service routes', () => {
  it('report health', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('publish an OpenAPI document generated from the validating schemas', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/add_image',
        '/generate_grid',
        '/grids/{gridId}',
        '/grids/{gridId}/images/{imageId}',
        '/grids/{gridId}/uploads',
        '/grids/{gridId}/uploads/{uploadId}/confirm',
        '/health',
      ]),
    );
    const tileSize = doc.paths['/generate_grid'].post.parameters.find(
      (p: { name: string }) => p.name === 'tileSize',
    );
    expect(tileSize.schema).toMatchObject({ minimum: 8, maximum: 4096 });
  });

  it('serve interactive docs with their assets', async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/);
    for (const asset of html.matchAll(/(?:href|src)="\.\/(docs\/assets\/[^"]+)"/g)) {
      const response = await fetch(`${server.url}/${asset[1]}`);
      expect(response.status, asset[1]).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect([...html.matchAll(/docs\/assets\//g)].length).toBe(2);
  });
});
