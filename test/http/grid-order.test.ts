import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { BLUE, GREEN, near, pixelAt, RED, solidImage } from '../support/images.js';
import { useTestServer } from '../support/local-server.js';

const server = useTestServer();

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, body: await response.json() };
};
const imageIds = async (grid: string) =>
  (await api(`/grids/${grid}`)).body.images.map((i: { image_id: string }) => i.image_id);
const putOrder = (grid: string, body: unknown, contentType = 'application/json') =>
  api(`/grids/${grid}/order`, {
    method: 'PUT',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the grid in the order people choose, over HTTP', () => {
  it('add_image with batch and index: uploads sent at once keep the chosen order', async () => {
    const batch = ulid();
    const colours = [RED, GREEN, BLUE];
    const files = await Promise.all(colours.map((colour) => solidImage(colour, 90, 60)));
    // The first file's upload is sent last: arrival order must not decide.
    const saved: { image_id: string }[] = [];
    for (const index of [2, 1, 0]) {
      const { status, body } = await api(
        `/add_image?uniqueGridId=chosen&batch=${batch}&index=${index}`,
        { method: 'POST', body: new Uint8Array(files[index] as Buffer) },
      );
      expect(status).toBe(200);
      saved[index] = body;
    }
    expect(await imageIds('chosen')).toEqual(saved.map((s) => s.image_id));

    const built = await api('/generate_grid?uniqueGridId=chosen&tileSize=20&columns=3', {
      method: 'POST',
    });
    const image = Buffer.from(await (await fetch(built.body.presigned_url)).arrayBuffer());
    for (const [i, colour] of colours.entries()) {
      expect(near(await pixelAt(image, i * 20 + 10, 10), colour)).toBe(true);
    }
  });

  it('the two-step upload carries its place to the confirm', async () => {
    const batch = ulid();
    const red = new Uint8Array(await solidImage(RED, 90, 60));
    const created = await api(`/grids/two-step/uploads?batch=${batch}&index=0&size=${red.length}`, {
      method: 'POST',
    });
    expect(created.body.confirm_url).toContain(`?batch=${batch}&index=0`);
    const second = await api(`/add_image?uniqueGridId=two-step&batch=${batch}&index=1`, {
      method: 'POST',
      body: new Uint8Array(await solidImage(GREEN, 90, 60)),
    });
    await fetch(created.body.upload_url, { method: 'PUT', body: red });
    const first = await api(
      new URL(created.body.confirm_url).pathname + new URL(created.body.confirm_url).search,
      {
        method: 'POST',
      },
    );
    expect(first.status).toBe(200);
    expect(await imageIds('two-step')).toEqual([first.body.image_id, second.body.image_id]);
  });

  it('PUT /grids/ID/order rearranges the grid, and the next build follows it', async () => {
    const ids = await imageIds('chosen');
    const moved = [ids[2], ids[0], ids[1]];
    const saved = await putOrder('chosen', { image_ids: moved });
    expect(saved).toEqual({
      status: 200,
      body: { message: 'order saved', uniqueGridId: 'chosen', image_ids: moved },
    });
    expect(await imageIds('chosen')).toEqual(moved);
    const built = await api('/generate_grid?uniqueGridId=chosen&tileSize=20&columns=3', {
      method: 'POST',
    });
    expect(built.body.cached).toBe(false);
    const image = Buffer.from(await (await fetch(built.body.presigned_url)).arrayBuffer());
    expect(near(await pixelAt(image, 10, 10), BLUE)).toBe(true);
  });

  it('a bad order or placement gets a 400 that says what to fix, and changes nothing', async () => {
    const ids = await imageIds('chosen');
    const cases: [Promise<{ status: number; body: { message: string } }>, RegExp][] = [
      [putOrder('chosen', { image_ids: ids.slice(1) }), /missing: /],
      [putOrder('chosen', { image_ids: [...ids, ids[0]] }), /more than once/],
      [putOrder('chosen', { image_ids: 'all' }), /image_ids/],
      [putOrder('chosen', '{"image_ids": ['), /not valid JSON/],
      [
        api('/add_image?uniqueGridId=chosen&batch=nope&index=0', { method: 'POST', body: 'x' }),
        /batch must be a ULID/,
      ],
      [
        api(`/add_image?uniqueGridId=chosen&batch=${ulid()}`, { method: 'POST', body: 'x' }),
        /batch and index go together/,
      ],
      [
        api(`/add_image?uniqueGridId=chosen&batch=${ulid()}&index=1e2`, {
          method: 'POST',
          body: 'x',
        }),
        /index must be a whole number/,
      ],
    ];
    for (const [answer, says] of cases) {
      const { status, body } = await answer;
      expect(status).toBe(400);
      expect(expectErrorBody(body).message).toMatch(says);
    }
    expect(await imageIds('chosen')).toEqual(ids);
  });

  it('the OpenAPI document describes the reorder and the placement', async () => {
    const doc = (await api('/openapi.json')).body;
    expect(doc.paths['/grids/{gridId}/order'].put).toBeDefined();
    const names = doc.paths['/add_image'].post.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['uniqueGridId', 'batch', 'index']));
  });
});
