import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectErrorCode } from '../support/error-codes.js';
import { RED, solidImage } from '../support/images.js';
import { useTestServer } from '../support/local-server.js';

/**
 * Issue 16 part 3: a two-step upload declares its size when it asks for the link, and
 * the link takes a body of exactly that size, once, or nothing: the local backend's
 * signed PUT checks it as S3 checks a signed Content-Length.
 */
const server = useTestServer({ MAX_UPLOAD_BYTES: '500000' });

interface Created {
  upload_url: string;
  confirm_url: string;
}

const ask = (gridId: string, query: string) =>
  fetch(`${server.url}/grids/${gridId}/uploads${query}`, { method: 'POST' });

async function uploadLink(gridId: string, size: number): Promise<Created> {
  const response = await ask(gridId, `?size=${size}`);
  expect(response.status).toBe(201);
  return response.json();
}

const staged = (gridId: string) => {
  try {
    return readdirSync(join(server.dataDir, 'objects', 'source', '_uploads', gridId));
  } catch {
    return [];
  }
};

/** A body that arrives in pieces with no Content-Length (chunked), as a stream sends it. */
const streamed = (bytes: Uint8Array) =>
  ({
    body: new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 100));
        controller.enqueue(bytes.subarray(100));
        controller.close();
      },
    }),
    duplex: 'half',
  }) as RequestInit;

describe('the size an upload link is asked for', () => {
  it.each([
    ['missing', ''],
    ['zero', '?size=0'],
    ['not a whole number', '?size=12.5'],
    ['not decimal digits', '?size=0x40'],
  ])('is required, a whole number from 1: %s is 400 invalid_parameter', async (_, query) => {
    const body = await expectErrorCode(await ask('sized', query), 400, 'invalid_parameter', 'size');
    expect(body.message).toMatch(/size/);
  });

  it('is documented as a required query parameter of createUpload', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    const operation = doc.paths['/grids/{gridId}/uploads'].post;
    const size = operation.parameters.find((p: { name: string }) => p.name === 'size');
    expect(size).toMatchObject({ in: 'query', required: true, schema: { minimum: 1 } });
    expect(size.description).toMatch(/exactly/);
    expect(Object.keys(operation.responses)).toContain('413');
  });

  it('over the upload limit is 413 body_too_large, before any byte is sent', async () => {
    for (const size of [500_001, 5 * 1024 ** 3]) {
      const body = await expectErrorCode(
        await ask('sized', `?size=${size}`),
        413,
        'body_too_large',
        'size',
      );
      expect(body.message).toMatch(/500000 bytes/);
    }
  });
});

describe("a PUT to an upload link, against the link's size", () => {
  it('refuses a longer or shorter body (by its Content-Length), stores nothing, and the link still works', async () => {
    const jpeg = new Uint8Array(await solidImage(RED, 300, 200));
    const link = await uploadLink('exact', jpeg.length);
    const longer = new Uint8Array(jpeg.length + 1);
    longer.set(jpeg);

    const tooLong = await fetch(link.upload_url, { method: 'PUT', body: longer });
    const longBody = await expectErrorCode(tooLong, 413, 'upload_size_mismatch');
    expect(longBody.message).toMatch(new RegExp(`exactly ${jpeg.length.toLocaleString('en-US')}`));
    const tooShort = await fetch(link.upload_url, { method: 'PUT', body: jpeg.subarray(1) });
    await expectErrorCode(tooShort, 400, 'upload_size_mismatch');
    expect(staged('exact')).toEqual([]);

    expect((await fetch(link.upload_url, { method: 'PUT', body: jpeg })).status).toBe(200);
    const confirmed = await fetch(link.confirm_url, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ image_size: jpeg.length });
  });

  it('refuses a streamed body that passes the size or ends short of it, storing nothing', async () => {
    const jpeg = new Uint8Array(await solidImage(RED, 300, 200));
    const link = await uploadLink('streamed', jpeg.length);
    const longer = new Uint8Array(jpeg.length + 1000);
    longer.set(jpeg);

    await expectErrorCode(
      await fetch(link.upload_url, { method: 'PUT', ...streamed(longer) }),
      413,
      'upload_size_mismatch',
    );
    await expectErrorCode(
      await fetch(link.upload_url, { method: 'PUT', ...streamed(jpeg.subarray(0, -1)) }),
      400,
      'upload_size_mismatch',
    );
    expect(staged('streamed')).toEqual([]);

    expect((await fetch(link.upload_url, { method: 'PUT', ...streamed(jpeg) })).status).toBe(200);
    expect((await fetch(link.confirm_url, { method: 'POST' })).status).toBe(200);
  });

  it('refuses a link whose size was altered: the size is signed', async () => {
    const jpeg = new Uint8Array(await solidImage(RED, 300, 200));
    const link = new URL((await uploadLink('altered', 100)).upload_url);
    expect(link.searchParams.get('size')).toBe('100');
    link.searchParams.set('size', String(jpeg.length));
    await expectErrorCode(await fetch(link, { method: 'PUT', body: jpeg }), 403, 'link_invalid');
    link.searchParams.delete('size');
    await expectErrorCode(await fetch(link, { method: 'PUT', body: jpeg }), 403, 'link_invalid');
    expect(staged('altered')).toEqual([]);
  });
});
