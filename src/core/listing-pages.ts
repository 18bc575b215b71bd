import { GridBuilderError } from './errors.js';
import { gridPrefix, imageIdOfKey } from './ids.js';
import type { Place } from './order.js';

/**
 * A grid's listing comes in pages (GET /grids/ID?limit=N&cursor=C), bounded twice: by
 * count, and by the bytes of the answer, so that no answer comes near Lambda's 6 MB
 * response limit whatever the length of its presigned links (on AWS each carries the
 * Lambda role's session token, about 1.2 KB).
 */

/**
 * Images a page may ask for. 500 by default: about 300 KB locally, while on AWS the
 * byte budget ends the page first (at roughly 270 images of two 1.7 KB links). At most
 * 1,000, which bounds the links signed for one answer.
 */
export const PAGE_LIMIT_RANGE = { min: 1, max: 1000 } as const;
export const DEFAULT_PAGE_LIMIT = 500;

/** A page's images stop before their JSON passes this; one image always fits. */
export const PAGE_BYTES = 1_000_000;

/**
 * Where a listing stopped, opaque to clients: the last image given, by what the grid's
 * order sorts on (its key and position; its id is in its key). So the next page starts
 * after that place even if the image was deleted meanwhile, and an upload or a delete
 * between pages neither repeats nor skips an image that did not move.
 */
export function encodeCursor(last: Pick<Place, 'key' | 'position'>): string {
  return Buffer.from(JSON.stringify({ key: last.key, position: last.position })).toString(
    'base64url',
  );
}

/**
 * The place a cursor names, refused unless this grid's listing could have made it. A
 * cursor is no secret: a made-up one in the right form just starts a page elsewhere.
 */
export function decodeCursor(gridId: string, cursor: string): Place {
  let point: unknown;
  try {
    point = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    point = undefined;
  }
  const { key, position } = (point ?? {}) as Record<string, unknown>;
  if (
    typeof key !== 'string' ||
    typeof position !== 'string' ||
    !key.startsWith(gridPrefix(gridId)) ||
    encodeCursor({ key, position }) !== cursor
  ) {
    throw new GridBuilderError(
      'invalid_request',
      `cursor must be the next_cursor of a page of grid "${gridId}", unchanged: list the grid again from its first page (without cursor).`,
      { code: 'invalid_cursor', param: 'cursor' },
    );
  }
  return { key, position, imageId: imageIdOfKey(key) };
}
