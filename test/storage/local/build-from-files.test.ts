import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createLocalStorage } from '../../../src/storage/local/create-local-storage.js';
import type { FileObjectStore } from '../../../src/storage/local/file-object-store.js';
import type { StorageBackend } from '../../../src/storage/storage-backend.js';
import { createGridBuilder } from '../../support/composition-root.js';
import { GREEN, near, pixelAt, RED, type Rgb, solidImage } from '../../support/images.js';

let dataDir: string;
let storage: StorageBackend;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-files-'));
  storage = createLocalStorage(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
});

afterEach(() => {
  storage.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a local build decodes a JPEG from its file when the file lets it shrink on load', async () => {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const objects = storage.objects as FileObjectStore;
  const upload = createGridBuilder(config, createLogger('silent'), storage).service;
  const { key: red } = await upload.addImage('files', await solidImage(RED, 1600, 800));
  // Then the store names a green picture as the red one's file: a tile's colour shows
  // which of the two the build decoded.
  const greenFile = join(dataDir, 'green.jpg');
  writeFileSync(greenFile, await solidImage(GREEN, 1600, 800));
  storage.objects = new Proxy(objects, {
    get(target, name) {
      if (name === 'getSource') {
        return async (key: string) => {
          const source = await target.getSource(key);
          return key === red ? { ...source, file: greenFile } : source;
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const { service } = createGridBuilder(config, createLogger('silent'), storage);

  const centreOf = async (tileSize: number): Promise<Rgb> => {
    const { key } = await service.buildGrid('files', { tileSize });
    return pixelAt(await objects.get('destination', key), tileSize / 2, tileSize / 2);
  };
  expect(near(await centreOf(100), GREEN)).toBe(true); // 800 px to 100: at 1/8
  expect(near(await centreOf(400), GREEN)).toBe(true); // 800 px to 400: at 1/2
  expect(near(await centreOf(402), RED)).toBe(true); // no JPEG scale covers it: the bytes
});
