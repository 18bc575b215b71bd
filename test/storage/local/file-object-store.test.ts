import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FileObjectStore } from '../../../src/storage/local/file-object-store.js';
import { UrlSigner } from '../../../src/storage/local/url-signer.js';

let root: string;
let store: FileObjectStore;

beforeEach(() => {
  root = join(mkdtempSync(join(tmpdir(), 'gridbuilder-objects-')), 'objects');
  store = new FileObjectStore(root, new UrlSigner(Buffer.alloc(32, 1)));
});

afterEach(() => rmSync(join(root, '..'), { recursive: true, force: true }));

test('putNew stores a new upload in place, making its grid folder, and never overwrites', async () => {
  const bytes = Buffer.from('first image');
  await store.putNew('source', 'trip/01.jpg', bytes);
  await expect(store.get('source', 'trip/01.jpg')).resolves.toEqual(bytes);
  await expect(store.head('source', 'trip/01.jpg')).resolves.toEqual({
    size: bytes.length,
    contentType: 'image/jpeg',
  });
  expect(readdirSync(join(root, '.tmp'))).toEqual([]); // no temp file on the way

  // A key is new or it is refused: what is stored stays as it was.
  await expect(store.putNew('source', 'trip/01.jpg', Buffer.from('other'))).rejects.toMatchObject({
    code: 'EEXIST',
  });
  await expect(store.get('source', 'trip/01.jpg')).resolves.toEqual(bytes);
  await expect(store.putNew('source', '../escape.jpg', bytes)).rejects.toMatchObject({
    kind: 'invalid_request',
  });
});

test('put replaces an object whole, through a temp file', async () => {
  await store.put('destination', 'trip/grid.jpg', Buffer.from('old grid'));
  await store.put('destination', 'trip/grid.jpg', Buffer.from('new grid'));
  await expect(store.get('destination', 'trip/grid.jpg')).resolves.toEqual(Buffer.from('new grid'));
  expect(readdirSync(join(root, '.tmp'))).toEqual([]);
});

test('getSource gives a source image with the file holding it, for a decoder to open', async () => {
  const bytes = Buffer.from('an image');
  await store.putNew('source', 'trip/03.jpg', bytes);
  await expect(store.getSource('trip/03.jpg')).resolves.toEqual({
    bytes,
    file: join(root, 'source', 'trip', '03.jpg'),
  });
  await expect(store.getSource('trip/none.jpg')).rejects.toMatchObject({ kind: 'not_found' });
});
