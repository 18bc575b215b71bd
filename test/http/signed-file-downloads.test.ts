import { unlinkSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { expectErrorBody } from '../support/error-codes.js';
import { useTestServer } from '../support/local-server.js';
import { placeSignedFile } from '../support/signed-file.js';

const SIZE = 3 * 1024 * 1024 + 17;
const server = useTestServer();
let file: Awaited<ReturnType<typeof placeSignedFile>>;

beforeAll(async () => {
  file = await placeSignedFile(server.dataDir, server.url, 'downloads/grid-1.jpg', SIZE);
});

const get = (range?: string) => fetch(file.url, range ? { headers: { range } } : {});
const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

describe('presigned downloads of the local backend', () => {
  test('the whole file, byte-exact, with its length, and ranges offered', async () => {
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(SIZE));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect((await bytesOf(response)).equals(file.bytes)).toBe(true);
  });

  test.each([
    ['bytes=0-0', 0, 0],
    ['bytes=100-199', 100, 199],
    ['bytes=1000000-', 1_000_000, SIZE - 1],
    ['bytes=-500', SIZE - 500, SIZE - 1],
    [`bytes=${SIZE - 10}-${SIZE + 1000}`, SIZE - 10, SIZE - 1],
  ])('Range %s: 206 with exactly those bytes', async (range, first, last) => {
    const response = await get(range);
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${first}-${last}/${SIZE}`);
    expect(response.headers.get('content-length')).toBe(String(last - first + 1));
    expect((await bytesOf(response)).equals(file.bytes.subarray(first, last + 1))).toBe(true);
  });

  test.each([`bytes=${SIZE}-`, 'bytes=-0'])(
    'Range %s, outside the file: 416 with the size and a message',
    async (range) => {
      const response = await get(range);
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      expect(expectErrorBody(await response.json()).message).toMatch(/range/i);
    },
  );

  test.each(['bytes=0-1,5-6', 'bytes=abc', 'lines=1-2'])(
    'Range %s (several, or not understood): the whole file, 200',
    async (range) => {
      const response = await get(range);
      expect(response.status).toBe(200);
      expect((await bytesOf(response)).equals(file.bytes)).toBe(true);
    },
  );

  test('HEAD: the headers, no body', async () => {
    const response = await fetch(file.url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(SIZE));
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  test('a file deleted after the answer started still arrives whole, and the server goes on', async () => {
    const gone = await placeSignedFile(server.dataDir, server.url, 'downloads/gone.jpg', SIZE);
    const response = await fetch(gone.url);
    expect(response.status).toBe(200);
    unlinkSync(gone.path);
    expect((await bytesOf(response)).equals(gone.bytes)).toBe(true);
    const again = await fetch(gone.url);
    expect(again.status).toBe(404);
    expect(expectErrorBody(await again.json()).message).toMatch(/No object/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
