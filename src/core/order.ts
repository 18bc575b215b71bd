import { GridBuilderError } from './errors.js';
import { IMAGE_ID_PATTERN } from './ids.js';
import type { ImageRecord } from './ports.js';

/**
 * A grid's order is data, not timing. Each image has a `position`, a sort key: by
 * default its own id (a ULID, so arrival order, as the lab has it). A client uploading
 * several files at once names a batch (a ULID it makes when the batch starts) and each
 * file's index in it: the files then take their places in the order chosen, whatever
 * order their uploads arrive in, at the batch's place in time. A reorder stores the
 * grid's ids in a new order, which comes first; images it does not name (uploaded after
 * it) follow by position.
 */

/** Where a client asks an upload to go: its batch and its index in that batch. */
export interface Placement {
  batch?: string | undefined;
  index?: number | undefined;
}

/** Indexes in a batch: 0 to this. */
export const MAX_BATCH_INDEX = 99_999;

/** Refuses a placement that is half given or out of range, saying what to send. */
export function checkPlacement({ batch, index }: Placement = {}): void {
  if (batch === undefined && index === undefined) return;
  if (batch === undefined || index === undefined) {
    throw new GridBuilderError(
      'invalid_request',
      "batch and index go together: send both (batch: a ULID made when the batch starts; index: the file's place in it, from 0) or neither.",
      { code: 'invalid_parameter', param: batch === undefined ? 'batch' : 'index' },
    );
  }
  if (!IMAGE_ID_PATTERN.test(batch)) {
    throw new GridBuilderError(
      'invalid_request',
      'batch must be a ULID (26 characters of Crockford base32, e.g. from the ulid package) made when the batch starts.',
      { code: 'invalid_parameter', param: 'batch' },
    );
  }
  if (!Number.isInteger(index) || index < 0 || index > MAX_BATCH_INDEX) {
    throw new GridBuilderError(
      'invalid_request',
      `index must be a whole number from 0 to ${MAX_BATCH_INDEX}.`,
      { code: 'invalid_parameter', param: 'index' },
    );
  }
}

/** The position an upload takes: its batch's place and its index, or its own id's. */
export function positionOf(imageId: string, placement: Placement = {}): string {
  checkPlacement(placement);
  const { batch, index } = placement;
  if (batch === undefined || index === undefined) return imageId;
  // Fixed width, so string order is index order; the batch's ULID sorts with image ids.
  return `${batch}.${String(index).padStart(5, '0')}`;
}

/** What an image's place in the grid's order depends on. */
export type Place = Pick<ImageRecord, 'imageId' | 'position' | 'key'>;

/** Records as the grid shows them: a stored order first, then by position (ties: by key). */
export function arrange(
  records: readonly ImageRecord[],
  order: readonly string[] | undefined,
): ImageRecord[] {
  return [...records].sort(arrangement(order));
}

/**
 * Where the records after `place` start in `arranged` (records arranged with `order`).
 * The place need not be one of them: a listing resumes after an image deleted since.
 */
export function indexAfter(
  arranged: readonly ImageRecord[],
  order: readonly string[] | undefined,
  place: Place,
): number {
  const compareTo = arrangement(order);
  const index = arranged.findIndex((record) => compareTo(record, place) > 0);
  return index === -1 ? arranged.length : index;
}

/** The grid's order as a comparison: the ids of a stored order by rank, then the others. */
function arrangement(order: readonly string[] | undefined): (a: Place, b: Place) => number {
  const rank = new Map((order ?? []).map((imageId, i) => [imageId, i]));
  const rankOf = (place: Place) => rank.get(place.imageId) ?? Number.POSITIVE_INFINITY;
  return (a, b) => {
    const [rankA, rankB] = [rankOf(a), rankOf(b)];
    if (rankA !== rankB) return rankA < rankB ? -1 : 1;
    return compare(a.position, b.position) || compare(a.key, b.key);
  };
}

/** Refuses a new order that does not name every image of the grid exactly once. */
export function checkNewOrder(
  gridId: string,
  records: readonly ImageRecord[],
  imageIds: readonly string[],
) {
  const known = new Set(records.map((r) => r.imageId));
  const seen = new Set<string>();
  const repeated = imageIds.filter((id) => seen.has(id) || !seen.add(id));
  const unknown = imageIds.filter((id) => !known.has(id));
  const missing = [...known].filter((id) => !seen.has(id));
  const problems = [
    repeated.length && `named more than once: ${list(repeated)}`,
    unknown.length && `not in the grid: ${list(unknown)}`,
    missing.length && `missing: ${list(missing)}`,
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new GridBuilderError(
      'invalid_request',
      `The new order must name every image of grid "${gridId}" exactly once (${problems.join('; ')}). Get the grid's images with GET /grids/${gridId} and send their image_ids in the order you want.`,
      { code: 'order_mismatch', param: 'image_ids' },
    );
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const list = (ids: readonly string[]) =>
  ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
