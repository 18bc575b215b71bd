import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FileObjectStore } from '../../../src/storage/local/file-object-store.js';
import { UrlSigner } from '../../../src/storage/local/url-signer.js';
import { mountTmpfs } from '../../support/tmpfs.js';

/** A real 1 MiB filesystem: the kernel's own ENOSPC, part-way through a write. */
const tmpfs = mountTmpfs('1m');
afterAll(() => {
  if (tmpfs.dir) tmpfs.unmount();
});

/** Every file under the store's root with its size (temp files included). */
const filesUnder = (root: string) =>
  (readdirSync(root, { recursive: true }) as string[])
    .filter((entry) => statSync(join(root, entry)).isFile())
    .map((entry) => [entry, statSync(join(root, entry)).size]);

describe.skipIf(!tmpfs.dir)(
  `FileObjectStore on a full disk${tmpfs.reason ? ` (skipped: ${tmpfs.reason})` : ''}`,
  () => {
    const root = join(tmpfs.dir ?? '', 'objects');
    const store = new FileObjectStore(root, new UrlSigner(Buffer.alloc(32, 1)));
    // Bigger than the whole filesystem: the write fails after part of it landed on disk.
    const tooBig = randomBytes(1536 * 1024);

    test('putNew removes the part it wrote and says the storage is full', async () => {
      await expect(store.putNew('source', 'trip/01.jpg', tooBig)).rejects.toMatchObject({
        kind: 'storage_full',
        message: expect.stringMatching(/storage is full/i),
      });
      expect(filesUnder(root)).toEqual([]);
    });

    test('put removes its temp file and says the storage is full', async () => {
      await expect(store.put('destination', 'trip/grid.jpg', tooBig)).rejects.toMatchObject({
        kind: 'storage_full',
      });
      expect(filesUnder(root)).toEqual([]);
    });

    test('what fits is still stored whole after a refusal', async () => {
      const fits = randomBytes(64 * 1024);
      await store.putNew('source', 'trip/02.jpg', fits);
      await store.put('destination', 'trip/grid.jpg', fits);
      await expect(store.get('source', 'trip/02.jpg')).resolves.toEqual(fits);
      await expect(store.get('destination', 'trip/grid.jpg')).resolves.toEqual(fits);
    });
  },
);
