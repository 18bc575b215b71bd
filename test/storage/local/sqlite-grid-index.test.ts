import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../../src/core/ports.js';
import { SqliteGridIndex } from '../../../src/storage/local/sqlite-grid-index.js';

describe('SqliteGridIndex group commit', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('commits concurrent adds, each resolved, listed in key order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridbuilder-index-'));
    dirs.push(dir);
    const file = join(dir, 'index.sqlite');
    const index = new SqliteGridIndex(file);
    const record = (n: number): ImageRecord => ({
      gridId: 'g',
      key: `g/${String(n).padStart(4, '0')}.jpg`,
      imageId: String(n),
      size: n,
      width: 1,
      height: 1,
      format: 'jpeg',
      contentType: 'image/jpeg',
      uploadedAt: new Date(0).toISOString(),
      position: String(n),
    });
    await Promise.all(Array.from({ length: 50 }, (_, n) => index.add(record(n))));
    index.close();
    const reopened = new SqliteGridIndex(file);
    const keys = (await reopened.list('g')).map((r) => r.key);
    reopened.close();
    expect(keys).toEqual(Array.from({ length: 50 }, (_, n) => record(n).key));
  });
});
