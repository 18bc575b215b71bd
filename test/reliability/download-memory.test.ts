import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { placeSignedFile } from '../support/signed-file.js';
import { newDataDir } from './support/data-dir.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

const MB = 1024 * 1024;
const SIZE = 64 * MB;
const CLIENTS = 8;
const dataDir = newDataDir('download-memory');
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({ DATA_DIR: dataDir });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Reads a download to its end, counting the bytes, without holding them. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<number> {
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
  }
  return size;
}

test(`${CLIENTS} concurrent downloads of a ${SIZE / MB} MB file do not hold it in the server's memory`, async () => {
  const file = await placeSignedFile(dataDir, server.url, 'memory/big-grid.jpg', SIZE);
  // One download first, so what it loads once (code, buffers) is in the baseline.
  const warm = await fetch(file.url);
  expect(await drain((warm.body as ReadableStream<Uint8Array>).getReader())).toBe(SIZE);
  const baseline = server.rss();

  // Every client has its answer started and its first bytes read before any reads on:
  // the server holds whatever it holds for all of them at once.
  const readers = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const response = await fetch(file.url);
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      return { reader, first: first.value?.byteLength ?? 0 };
    }),
  );
  const during = server.rss();
  const sizes = await Promise.all(readers.map(async (r) => r.first + (await drain(r.reader))));
  const after = server.rss();

  expect(sizes).toEqual(Array(CLIENTS).fill(SIZE));
  const grewMb = (during - baseline) / MB;
  console.log(
    `[reliability] downloads: ${CLIENTS} concurrent downloads of a ${SIZE / MB} MB file: server RSS ${Math.round(baseline / MB)} MB before, ${Math.round(during / MB)} MB with all in flight (+${Math.round(grewMb)} MB), ${Math.round(after / MB)} MB after`,
  );
  // Holding the file once per client would be +512 MB at least.
  expect(grewMb).toBeLessThan(128);
});
