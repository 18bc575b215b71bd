import { beforeAll, describe, expect, it } from 'vitest';
import { expectErrorCode } from '../support/error-codes.js';
import { RED, solidImage } from '../support/images.js';
import { STORAGE_BACKENDS, useBackendServer } from '../support/storage-backends.js';

/** Image names (issue 17, item 5) through the API, stored on both backends. */

interface Listed {
  image_id: string;
  name: string | null;
}

describe.each(STORAGE_BACKENDS)('image names on $name', (backend) => {
  const server = useBackendServer(backend);
  let image: Buffer;

  beforeAll(async () => {
    image = await solidImage(RED, 16, 12);
  });

  const addImage = (gridId: string, query: Record<string, string> = {}, headers = {}) =>
    fetch(`${server.url}/add_image?${new URLSearchParams({ uniqueGridId: gridId, ...query })}`, {
      method: 'POST',
      headers,
      body: new Uint8Array(image),
    });

  /** Every page of the grid's listing, `limit` images a page. */
  async function listAll(gridId: string, limit = 1): Promise<Listed[]> {
    const images: Listed[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
      const response = await fetch(`${server.url}/grids/${gridId}?${query}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { images: Listed[]; next_cursor: string | null };
      images.push(...page.images);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return images;
  }

  it('add_image stores ?name=, answers it, and every listing page gives it; none is null', async () => {
    const named = await addImage('names', { name: 'holiday/Cafe\u0301 1.jpg' });
    expect(named.status).toBe(200);
    const saved = await named.json();
    expect(saved).toMatchObject({ message: 'image saved', name: 'Caf\u00e9 1.jpg' });
    expect(saved.key).toBe(`names/${saved.image_id}.jpg`);

    const plain = await addImage('names');
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ message: 'image saved', name: null });

    const same = await addImage('names', { name: 'Caf\u00e9 1.jpg' });
    expect(same.status).toBe(200);

    expect((await listAll('names')).map((i) => i.name)).toEqual([
      'Caf\u00e9 1.jpg',
      null,
      'Caf\u00e9 1.jpg',
    ]);
  });

  it('add_image reads a Content-Disposition file name when no ?name= is given', async () => {
    const utf8 = await addImage(
      'disposition',
      {},
      {
        'Content-Disposition':
          'attachment; filename="EUR.jpg"; filename*=UTF-8\'\'%E2%82%AC%20rates.jpg',
      },
    );
    expect(await utf8.json()).toMatchObject({ name: '€ rates.jpg' });
    const quoted = await addImage(
      'disposition',
      {},
      { 'Content-Disposition': 'attachment; filename="C:\\\\photos\\\\quoted.jpg"' },
    );
    expect(await quoted.json()).toMatchObject({ name: 'quoted.jpg' });
    const both = await addImage(
      'disposition',
      { name: 'query.jpg' },
      { 'Content-Disposition': 'attachment; filename="header.jpg"' },
    );
    expect(await both.json()).toMatchObject({ name: 'query.jpg' });
    expect((await listAll('disposition', 10)).map((i) => i.name)).toEqual([
      '€ rates.jpg',
      'quoted.jpg',
      'query.jpg',
    ]);
  });

  it.each([
    ['empty', { name: '' }, {}],
    ['only a folder', { name: 'photos/' }, {}],
    ['only spaces', { name: '   ' }, {}],
    ['too long', { name: `${'x'.repeat(252)}.jpg` }, {}],
    ['a control character', { name: 'a\u0007b.jpg' }, {}],
    ['a C1 control character', { name: 'a\u009bb.jpg' }, {}],
    ['a malformed Content-Disposition', {}, { 'Content-Disposition': 'attachment; filename="a' }],
    [
      'a Content-Disposition name with a control character',
      {},
      { 'Content-Disposition': "attachment; filename*=UTF-8''a%0Ab.jpg" },
    ],
  ])(
    'add_image refuses a name that is %s: 400, param name, nothing stored',
    async (_, query, headers) => {
      const gridId = `bad-${Math.random().toString(36).slice(2, 10)}`;
      const answer = await addImage(gridId, query, headers);
      const error = await expectErrorCode(answer, 400, 'invalid_parameter', 'name');
      expect(error.message).toMatch(/name/);
      expect(await listAll(gridId)).toEqual([]);
      expect(await server.stored.keys('source', `${gridId}/`)).toEqual([]);
    },
  );

  it('a two-step upload takes its name when created; the confirm cannot change it', async () => {
    const create = await fetch(
      `${server.url}/grids/big/uploads?${new URLSearchParams({ size: String(image.length), name: 'raw/Big one.jpg' })}`,
      { method: 'POST' },
    );
    expect(create.status).toBe(201);
    const upload = await create.json();
    expect(upload.confirm_url).not.toContain('name');
    const put = await fetch(upload.upload_url, { method: 'PUT', body: new Uint8Array(image) });
    expect(put.status).toBe(200);
    // Someone else holding the confirm link tries another name: it is not read.
    const confirmed = await fetch(`${upload.confirm_url}?name=other.jpg`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ message: 'image saved', name: 'Big one.jpg' });
    expect((await listAll('big')).map((i) => i.name)).toEqual(['Big one.jpg']);
  });

  it('a two-step upload without a name is listed with null', async () => {
    const upload = await (
      await fetch(`${server.url}/grids/big-plain/uploads?size=${image.length}`, { method: 'POST' })
    ).json();
    await fetch(upload.upload_url, { method: 'PUT', body: new Uint8Array(image) });
    const confirmed = await fetch(upload.confirm_url, { method: 'POST' });
    expect(await confirmed.json()).toMatchObject({ name: null });
    expect((await listAll('big-plain')).map((i) => i.name)).toEqual([null]);
  });

  it('an upload link asked for with an invalid name is refused before any byte is sent', async () => {
    const create = await fetch(
      `${server.url}/grids/big-bad/uploads?size=${image.length}&name=${encodeURIComponent('a\tb.jpg')}`,
      { method: 'POST' },
    );
    await expectErrorCode(create, 400, 'invalid_parameter', 'name');
    expect(await server.stored.keys('source', '_uploads/big-bad/')).toEqual([]);
  });

  it('a name with quotes, HTML and non-ASCII letters comes back byte for byte in the JSON', async () => {
    const name = '"<img src=x onerror=alert(1)>" — Zoë\'s.jpg';
    const saved = await addImage('html', { name });
    expect(saved.status).toBe(200);
    const text = await (await fetch(`${server.url}/grids/html`)).text();
    expect(JSON.parse(text).images[0].name).toBe(name);
    // Unescaped UTF-8 in the body, as JSON.stringify writes it (only the quotes escaped).
    expect(Buffer.from(text).includes(Buffer.from(JSON.stringify(name)))).toBe(true);
  });
});
