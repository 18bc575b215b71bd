import { randomFillSync } from 'node:crypto';
import { decodeTime, monotonicFactory } from 'ulid';
import { GridBuilderError } from './errors.js';
import { BUILD_ID_PATTERN, GRID_ID_PATTERN, IMAGE_ID_PATTERN } from './id-patterns.js';

export { BUILD_ID_PATTERN, GRID_ID_PATTERN, IMAGE_ID_PATTERN };

export const GRID_ID_MISSING =
  'uniqueGridId is missing: add ?uniqueGridId=YOUR_GRID_ID to the URL.';
export const GRID_ID_INVALID =
  'uniqueGridId must be 1-128 characters of A-Z, a-z, 0-9, ".", "_" or "-", starting with a letter or digit.';

/** Named as the lab's query parameter, as the messages name it. */
const GRID_ID_ERROR = { code: 'invalid_grid_id', param: 'uniqueGridId' } as const;

export function parseGridId(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') {
    throw new GridBuilderError('invalid_request', GRID_ID_MISSING, GRID_ID_ERROR);
  }
  if (!GRID_ID_PATTERN.test(value)) {
    throw new GridBuilderError('invalid_request', GRID_ID_INVALID, GRID_ID_ERROR);
  }
  return value;
}

export function parseImageId(value: string | undefined): string {
  if (value === undefined || !IMAGE_ID_PATTERN.test(value)) {
    throw new GridBuilderError(
      'invalid_request',
      'The image id must be the 26-character image_id returned when the image was added.',
      { code: 'invalid_parameter', param: 'imageId' },
    );
  }
  return value;
}

export const BUILD_ID_INVALID =
  'The build id must be the 24-character build_id returned by generate_grid.';

export function parseBuildId(value: string | undefined): string {
  if (value === undefined || !BUILD_ID_PATTERN.test(value)) {
    throw new GridBuilderError('invalid_request', BUILD_ID_INVALID, {
      code: 'invalid_parameter',
      param: 'buildId',
    });
  }
  return value;
}

/**
 * A cryptographic random number in [0, 1) with 8 bits of entropy, from a pooled buffer:
 * ulid's own source asks Web Crypto once per character (16 calls per id), which showed
 * in the upload profile.
 */
const pooledRandom = (() => {
  const pool = Buffer.alloc(4096);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return (pool[next++] as number) / 256;
  };
})();

/**
 * Time-ordered ids: a key-sorted index (SQLite or a DynamoDB range key) lists a
 * grid's images in upload order. Monotonic, so two ids made in the same
 * millisecond still sort in the order they were made.
 */
export const newImageId: () => string = monotonicFactory(pooledRandom);

/** Object keys: `GRID_ID/IMAGE_ID.ext` in the source bucket. */
export const sourceKey = (gridId: string, imageId: string, extension: string): string =>
  `${sourceKeyPrefix(gridId, imageId)}${extension}`;

/** What the source key of an image starts with, whatever its extension: `GRID_ID/IMAGE_ID.` */
export const sourceKeyPrefix = (gridId: string, imageId: string): string => `${gridId}/${imageId}.`;

/** Where a two-step upload waits to be confirmed. Grid ids never start with "_". */
export const stagingKey = (gridId: string, uploadId: string): string =>
  `${STAGING_PREFIX}${gridId}/${uploadId}`;
export const STAGING_PREFIX = '_uploads/';

/** The grid and upload a staging key belongs to, or undefined for any other key. */
export function uploadOfStagingKey(key: string): { gridId: string; uploadId: string } | undefined {
  const match = /^_uploads\/([^/]+)\/([^/]+)$/.exec(key);
  return match ? { gridId: match[1] as string, uploadId: match[2] as string } : undefined;
}

/**
 * A rendition of a source image, `_renditions/GRID_ID/IMAGE_ID/SIZE.jpg` in the source
 * bucket: derived from the image's key, so whoever deletes the image can name it, and
 * under its own prefix, so a grid's source listing and the sweep tell it from images.
 */
export const renditionKey = (key: string, size: number): string =>
  `${renditionPrefix(gridOfKey(key), imageIdOfKey(key))}${size}.jpg`;
export const RENDITIONS_PREFIX = '_renditions/';
/** Every rendition of the grid, or of one image of it. */
export const renditionPrefix = (gridId: string, imageId?: string): string =>
  `${RENDITIONS_PREFIX}${gridId}/${imageId === undefined ? '' : `${imageId}/`}`;

/** The grid and image a rendition key belongs to, or undefined for any other key. */
export function imageOfRenditionKey(key: string): { gridId: string; imageId: string } | undefined {
  const match = /^_renditions\/([^/]+)\/([^/]+)\/[^/]+$/.exec(key);
  return match ? { gridId: match[1] as string, imageId: match[2] as string } : undefined;
}

/** The grid id of a source key (`GRID/ID.ext` -> `GRID`). */
export const gridOfKey = (key: string): string => key.slice(0, key.indexOf('/'));

/** Built grids: `GRID_ID/grid-VERSION.ext` in the destination bucket. */
export const gridKey = (gridId: string, version: string, extension: string): string =>
  `${gridId}/grid-${version}.${extension}`;

export const gridPrefix = (gridId: string): string => `${gridId}/`;

/** The image id inside a source key (`GRID/ID.ext` -> `ID`). */
export function imageIdOfKey(key: string): string {
  const file = key.slice(key.lastIndexOf('/') + 1);
  const dot = file.indexOf('.');
  return dot === -1 ? file : file.slice(0, dot);
}

/** When an image or upload id was made (ms since the epoch): ids are ULIDs. */
export const idTime = (id: string): number => decodeTime(id);

/**
 * Whether the image or upload id was made more than `ageMs` before `now`: ids are
 * ULIDs, which begin with their creation time, so no store needs to report modification
 * times. False for anything that is not a ULID (not GridBuilder's: left alone).
 */
export function isOlderThan(id: string, ageMs: number, now = Date.now()): boolean {
  try {
    return idTime(id) < now - ageMs;
  } catch {
    return false;
  }
}
