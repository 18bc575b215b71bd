import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildRecord, ImageRecord } from '../../../src/core/ports.js';
import { SqliteGridIndex } from '../../../src/storage/local/sqlite-grid-index.js';
import { buildRecord } from '../../support/build-records.js';

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

describe('SqliteGridIndex on a database of an earlier version', () => {
  it('adds the name column: earlier rows have no name, new ones keep theirs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridbuilder-index-'));
    const file = join(dir, 'index.sqlite');
    // The images table as the version before names made it, with one image.
    const earlier = new Database(file);
    earlier.exec(`CREATE TABLE images (
      grid_id TEXT NOT NULL, s3_key TEXT NOT NULL, image_id TEXT NOT NULL,
      size INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
      format TEXT NOT NULL, content_type TEXT NOT NULL, uploaded_at TEXT NOT NULL,
      position TEXT, renditions TEXT,
      PRIMARY KEY (grid_id, s3_key)
    ) WITHOUT ROWID`);
    earlier
      .prepare('INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('g', 'g/1.jpg', '1', 10, 4, 3, 'jpeg', 'image/jpeg', 'then', '1', '[256]');
    earlier.close();

    const index = new SqliteGridIndex(file);
    try {
      await index.add({
        gridId: 'g',
        key: 'g/2.jpg',
        imageId: '2',
        size: 20,
        width: 4,
        height: 3,
        format: 'jpeg',
        contentType: 'image/jpeg',
        uploadedAt: 'now',
        position: '2',
        name: 'Caf\u00e9 <b>.jpg',
      });
      const [old, named] = await index.list('g');
      expect(old).toEqual({
        gridId: 'g',
        key: 'g/1.jpg',
        imageId: '1',
        size: 10,
        width: 4,
        height: 3,
        format: 'jpeg',
        contentType: 'image/jpeg',
        uploadedAt: 'then',
        position: '1',
        renditions: [256],
      });
      expect(named?.name).toBe('Caf\u00e9 <b>.jpg');
    } finally {
      index.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteGridIndex running builds', () => {
  it('lists the kept records of running builds only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridbuilder-index-'));
    const index = new SqliteGridIndex(join(dir, 'index.sqlite'));
    try {
      const build = (buildId: string, status: BuildRecord['status']) =>
        buildRecord({ gridId: 'g', buildId, status });
      const later = new Date(Date.now() + 3_600_000);
      const running = build('a'.repeat(24), 'running');
      await index.putBuild(running, later);
      await index.putBuild(build('b'.repeat(24), 'done'), later);
      await index.putBuild(build('c'.repeat(24), 'failed'), later);
      // Past its keeping: forgotten, as getBuild forgets it.
      await index.putBuild(build('d'.repeat(24), 'running'), new Date(Date.now() - 1));

      expect(await index.runningBuilds()).toEqual([running]);
    } finally {
      index.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
