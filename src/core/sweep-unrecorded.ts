import { imageIdOfKey, isOlderThan, STAGING_PREFIX } from './ids.js';
import type { GridIndex, ObjectStore } from './ports.js';

export interface UnrecordedSweepOptions {
  /** Objects younger than this are spared (an upload between its two writes). */
  graceMs: number;
  /**
   * Two-step uploads younger than this are spared; make it cover the upload links'
   * lifetime too, as the bytes may arrive until the link expires. Default: graceMs.
   */
  uploadGraceMs?: number;
  /** For tests; default Date.now(). */
  now?: number;
}

export interface UnrecordedSweepReport {
  /** Source images no record names, removed. */
  unrecordedImages: string[];
  /** Two-step uploads never confirmed, removed. */
  abandonedUploads: string[];
}

/**
 * Removes source objects that no index record names, through the two ports only, so
 * it works on every backend (on S3 + DynamoDB, where lifecycle rules cannot know
 * which objects are recorded). Such objects are what a crash or a storage fault
 * leaves between "object stored" and "record written", or between "record removed"
 * and "object deleted". An object's age is read from its key: image and upload ids
 * are ULIDs, which begin with their creation time, so no store needs to report
 * modification times. Keys without a ULID are not GridBuilder's and are left alone.
 */
export async function sweepUnrecordedObjects(
  objects: ObjectStore,
  index: GridIndex,
  options: UnrecordedSweepOptions,
): Promise<UnrecordedSweepReport> {
  const now = options.now ?? Date.now();
  const olderThan = (id: string, ageMs: number) => isOlderThan(id, ageMs, now);

  const abandonedUploads: string[] = [];
  const candidates = new Map<string, string[]>(); // grid id -> old keys
  for (const key of await objects.list('source', '')) {
    if (key.startsWith(STAGING_PREFIX)) {
      const uploadId = key.slice(key.lastIndexOf('/') + 1);
      if (olderThan(uploadId, options.uploadGraceMs ?? options.graceMs)) {
        abandonedUploads.push(key);
      }
      continue;
    }
    const gridId = key.slice(0, key.indexOf('/'));
    if (!gridId || !olderThan(imageIdOfKey(key), options.graceMs)) continue;
    candidates.set(gridId, [...(candidates.get(gridId) ?? []), key]);
  }

  const unrecordedImages: string[] = [];
  for (const [gridId, keys] of candidates) {
    // Listed after the objects: a record written meanwhile is seen, never missed.
    const recorded = new Set((await index.list(gridId)).map((record) => record.key));
    // A confirmed two-step upload gets a new image id at its confirm, so an image
    // being confirmed is as young as any upload in flight.
    unrecordedImages.push(...keys.filter((key) => !recorded.has(key)));
  }
  await objects.delete('source', [...unrecordedImages, ...abandonedUploads]);
  return { unrecordedImages, abandonedUploads };
}
