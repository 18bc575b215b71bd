import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { ImageRecord } from '../../../src/core/ports.js';
import { STATUS_OF } from '../../../src/http/error-response.js';
import { asStorageError, DiskSpace } from '../../../src/storage/local/disk-space.js';
import { SqliteGridIndex } from '../../../src/storage/local/sqlite-grid-index.js';
import { mountTmpfs } from '../../support/tmpfs.js';

/** A real 2 MiB filesystem that the test fills to its last page. */
const tmpfs = mountTmpfs('2m');
afterAll(() => tmpfs.unmount());

const RESERVE = 256 * 1024;

const record = (n: number): ImageRecord => ({
  gridId: 'trip',
  key: `trip/${String(n).padStart(26, '0')}.jpg`,
  imageId: String(n).padStart(26, '0'),
  size: 1,
  width: 1,
  height: 1,
  format: 'jpeg',
  contentType: 'image/jpeg',
  uploadedAt: new Date(0).toISOString(),
  position: String(n).padStart(26, '0'),
});

/** Writes a file until the filesystem refuses another byte. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

// Runs everywhere, mount or not: which failures mean "out of space", and what they become.
test('ENOSPC, EDQUOT and SQLITE_FULL become storage_full (507); other errors stay as they are', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) {
    const mapped = asStorageError(Object.assign(new Error(code), { code }));
    expect(mapped).toMatchObject({
      kind: 'storage_full',
      message: expect.stringMatching(/storage is full/i),
    });
  }
  const denied = Object.assign(new Error('denied'), { code: 'EACCES' });
  expect(asStorageError(denied)).toBe(denied);
  expect(STATUS_OF.storage_full).toBe(507);
});

describe.skipIf(!tmpfs.dir)(
  `the storage reserve on a full disk${tmpfs.reason ? ` (skipped: ${tmpfs.reason})` : ''}`,
  () => {
    const dir = tmpfs.dir ?? '';
    const reserveFile = join(dir, 'storage-reserve');
    const filler = join(dir, 'filler');
    // Each test starts on an empty disk, whatever the one before left.
    let index: SqliteGridIndex | undefined;
    afterEach(() => {
      index?.close();
      for (const file of readdirSync(dir)) rmSync(join(dir, file), { force: true });
    });

    test('without a reserve, a delete on a full disk is refused as storage_full (507), not a 500', async () => {
      index = new SqliteGridIndex(join(dir, 'bare.sqlite'));
      for (let n = 0; n < 50; n++) await index.add(record(n));
      fillDisk(filler);
      await expect(index.remove('trip', [record(0).key])).rejects.toMatchObject({
        kind: 'storage_full',
      });
    });

    test('with one, the delete commits; new objects wait until the reserve is back', async () => {
      const space = new DiskSpace(dir, RESERVE);
      space.prepare();
      expect(statSync(reserveFile).size).toBe(RESERVE);
      index = new SqliteGridIndex(join(dir, 'index.sqlite'), space);
      for (let n = 0; n < 50; n++) await index.add(record(n));

      fillDisk(filler);
      // Removing 40 records appends pages to the WAL: only the reserve has room for them.
      await index.remove(
        'trip',
        Array.from({ length: 40 }, (_, n) => record(n).key),
      );
      expect((await index.list('trip')).length).toBe(10);
      expect(existsSync(reserveFile)).toBe(false);
      // The space given up is kept for the next delete, not for new objects.
      await expect(space.mayWrite()).resolves.toBe(false);
      await expect(space.fullReason()).resolves.toMatch(/storage is full/i);

      rmSync(filler);
      await expect(space.mayWrite()).resolves.toBe(true);
      expect(statSync(reserveFile).size).toBe(RESERVE);
      await expect(space.fullReason()).resolves.toBeUndefined();
    });
  },
);
