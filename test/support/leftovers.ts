import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ulid } from 'ulid';
import type { ImageRecord } from '../../src/core/ports.js';

/**
 * What garbage-sweep tests set up: objects as a crash leaves them, of a chosen age. The
 * sweep through the ports dates source objects by the ULID in their key; the local
 * housekeeping dates built grids and temp files by their file's time.
 */

/** An image or upload id made `ageMs` ago. */
export const idMadeAgo = (ageMs: number): string => ulid(Date.now() - ageMs);

/** A file under a local data folder's `objects/`, last written `ageMs` ago. */
export function leftoverFile(dataDir: string, path: string, ageMs: number): void {
  const file = join(dataDir, 'objects', path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, 'x');
  const when = new Date(Date.now() - ageMs);
  utimesSync(file, when, when);
}

/** The index record an upload's second write makes for the source object `key` (`GRID/ID.ext`). */
export function recordOf(key: string): ImageRecord {
  const gridId = key.slice(0, key.indexOf('/'));
  const imageId = key.slice(key.indexOf('/') + 1, key.indexOf('.'));
  return {
    gridId,
    key,
    imageId,
    size: 1,
    width: 1,
    height: 1,
    format: 'jpeg',
    contentType: 'image/jpeg',
    uploadedAt: new Date().toISOString(),
    position: imageId,
  };
}
