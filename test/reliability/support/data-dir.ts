import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const newDataDir = (name: string) => mkdtempSync(join(tmpdir(), `gridbuilder-${name}-`));

/** Every index record, read straight from the SQLite file (the server may be dead). */
export function recordedKeys(dataDir: string): { gridId: string; key: string }[] {
  const file = join(dataDir, 'index.sqlite');
  if (!existsSync(file)) return [];
  const db = new Database(file);
  try {
    return db.prepare('SELECT grid_id AS gridId, s3_key AS key FROM images').all() as {
      gridId: string;
      key: string;
    }[];
  } finally {
    db.close();
  }
}

/** Every file under a folder of the data dir, as paths relative to it. */
export function filesUnder(dataDir: string, folder: string): string[] {
  const root = join(dataDir, folder);
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((entry) => statSync(join(root, entry)).isFile())
    .map((entry) => entry.split('\\').join('/'))
    .sort();
}

/** Source objects, without the staging folder of two-step uploads. */
/** Stored source images: not staged uploads, not renditions (derived copies, see renditionsOf). */
export const sourceObjects = (dataDir: string) =>
  filesUnder(dataDir, 'objects/source').filter(
    (key) => !key.startsWith('_uploads/') && !key.startsWith('_renditions/'),
  );

/** The `GRID/IMAGE_ID` of each stored rendition (`_renditions/GRID/IMAGE_ID/R.jpg`). */
export const renditionsOf = (dataDir: string) =>
  filesUnder(dataDir, 'objects/source/_renditions').map((key) =>
    key.split('/').slice(0, 2).join('/'),
  );
