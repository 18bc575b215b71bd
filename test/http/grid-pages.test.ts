import { describe, expect, it } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { addImages } from '../support/many-images.js';
import { STORAGE_BACKENDS, useBackendServer } from '../support/storage-backends.js';

/** GET /grids/ID in pages (issue 15, part 4), on both backends, with Lambda-length links. */

interface Page {
  uniqueGridId: string;
  image_count: number;
  images: { image_id: string }[];
  next_cursor: string | null;
}

/** An answer's status, size in bytes and JSON body. */
async function get(url: string) {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

const ONE_MIB = 1024 * 1024;

describe.each(STORAGE_BACKENDS)('paginated listings on $name', (backend) => {
  const server = useBackendServer(backend, backend.longLinks);

  const page = async (gridId: string, query: Record<string, string | number> = {}) => {
    const params = new URLSearchParams(
      Object.entries(query).map(([name, value]) => [name, String(value)]),
    );
    const answer = await get(`${server.url}/grids/${gridId}${params.size ? `?${params}` : ''}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.bytes).toBeLessThan(ONE_MIB);
    return answer.body as Page;
  };

  /** Every page from the first, following next_cursor: the pages' image ids. */
  const allPages = async (gridId: string, limit?: number) => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = limit === undefined ? {} : { limit };
      if (cursor !== null) query.cursor = cursor;
      const answer = await page(gridId, query);
      pages.push(answer.images.map((image) => image.image_id));
      cursor = answer.next_cursor;
    } while (cursor !== null);
    return pages;
  };

  it('pages cover every image once, in the grid’s order, with next_cursor until the last', async () => {
    const ids = await addImages(server, 'paged', 7);
    // A stored order, so the pages follow the grid's order, not upload order.
    const order = [ids[5], ids[6], ...ids.slice(0, 5)] as string[];
    const saved = await fetch(`${server.url}/grids/paged/order`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image_ids: order }),
    });
    expect(saved.status).toBe(200);

    const first = await page('paged', { limit: 3 });
    expect(first).toMatchObject({ uniqueGridId: 'paged', image_count: 7 });
    expect(first.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await allPages('paged', 3)).toEqual([
      order.slice(0, 3),
      order.slice(3, 6),
      order.slice(6),
    ]);
    // Without a limit, a grid this small is one page.
    expect(await allPages('paged')).toEqual([order]);
    expect(await page('never-used')).toEqual({
      uniqueGridId: 'never-used',
      image_count: 0,
      images: [],
      next_cursor: null,
    });
  });

  it('a delete or an upload between pages neither repeats nor skips the images that stayed', async () => {
    const ids = await addImages(server, 'changing', 6);
    const first = await page('changing', { limit: 2 });
    expect(first.images.map((image) => image.image_id)).toEqual(ids.slice(0, 2));
    // The cursor's own image goes, and one not listed yet; one more arrives.
    for (const gone of [ids[1], ids[3]]) {
      const deleted = await fetch(`${server.url}/grids/changing/images/${gone}`, {
        method: 'DELETE',
      });
      expect(deleted.status).toBe(200);
    }
    const [added] = await addImages(server, 'changing', 1);
    const rest = await page('changing', { limit: 10, cursor: first.next_cursor as string });
    expect(rest.images.map((image) => image.image_id)).toEqual([ids[2], ids[4], ids[5], added]);
    expect(rest).toMatchObject({ image_count: 5, next_cursor: null });
  });

  it('a page stops before 1 MB of JSON whatever the links’ length, and the pages still cover the grid', async () => {
    const ids = await addImages(server, 'heavy', 300);
    const first = await page('heavy', { limit: 1000 });
    // Each image with its two long links takes over 4 KB: 1 MB holds fewer than 300.
    expect(first.images.length).toBeGreaterThan(100);
    expect(first.images.length).toBeLessThan(300);
    expect(first.next_cursor).not.toBeNull();
    expect((await allPages('heavy', 1000)).flat()).toEqual(ids);
  });

  it('refuses a limit out of 1-1000 and a cursor it did not give, naming the parameter', async () => {
    await addImages(server, 'refusing', 2);
    for (const limit of ['0', '1001', 'ten', '1e2', '-1', '']) {
      const answer = await get(`${server.url}/grids/refusing?limit=${limit}`);
      expect(answer.status, `limit=${limit}`).toBe(400);
      expectErrorBody(answer.body, 'invalid_parameter', 'limit');
    }
    expect((await page('refusing', { limit: 1000 })).images).toHaveLength(2);

    const { next_cursor: cursor } = await page('refusing', { limit: 1 });
    const elsewhere = (await page('paged', { limit: 1 })).next_cursor as string;
    const tampered = `${(cursor as string).slice(0, -2)}${(cursor as string).endsWith('A') ? 'B' : 'A'}A`;
    for (const bad of [
      'not a cursor',
      Buffer.from('{}').toString('base64url'),
      Buffer.from(JSON.stringify({ key: 'refusing/x.png', position: 7 })).toString('base64url'),
      elsewhere, // another grid's
      tampered,
      '',
    ]) {
      const answer = await get(`${server.url}/grids/refusing?cursor=${encodeURIComponent(bad)}`);
      expect(answer.status, `cursor=${bad}`).toBe(400);
      expectErrorBody(answer.body, 'invalid_cursor', 'cursor');
    }
  });
});
