import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileObjectStore } from '../../src/storage/local/file-object-store.js';
import { loadSigningSecret, UrlSigner } from '../../src/storage/local/url-signer.js';

/**
 * A file of `size` random bytes placed as an object of the local backend running on
 * `dataDir` (written straight to its file: the store's put holds a Buffer of it twice),
 * and the absolute presigned GET link the server would hand out for it.
 */
export async function placeSignedFile(
  dataDir: string,
  serverUrl: string,
  key: string,
  size: number,
): Promise<{ bytes: Buffer; url: string; path: string }> {
  const signer = new UrlSigner(loadSigningSecret(dataDir, undefined));
  const store = new FileObjectStore(join(dataDir, 'objects'), signer);
  const bytes = randomBytes(size);
  await store.put('destination', key, Buffer.alloc(0));
  const path = store.fileOf('destination', key);
  writeFileSync(path, bytes);
  return { bytes, url: `${serverUrl}${await store.presignGet('destination', key, 300)}`, path };
}
