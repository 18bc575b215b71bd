import {
  imageIdOfKey,
  imageOfRenditionKey,
  isOlderThan,
  RENDITIONS_PREFIX,
  STAGING_PREFIX,
} from './ids.js';
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
  /** Renditions of images no record names (deleted, or a crash before the record), removed. */
  unrecordedRenditions: string[];
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
  // grid id -> old keys of images, and of renditions by their image's id
  const candidates = new Map<string, { images: string[]; renditions: Map<string, string[]> }>();
  const candidatesOf = (gridId: string) => {
    const found = candidates.get(gridId) ?? { images: [] as string[], renditions: new Map() };
    candidates.set(gridId, found);
    return found;
  };
  for (const key of await objects.list('source', '')) {
    if (key.startsWith(STAGING_PREFIX)) {
      const uploadId = key.slice(key.lastIndexOf('/') + 1);
      if (olderThan(uploadId, options.uploadGraceMs ?? options.graceMs)) {
        abandonedUploads.push(key);
      }
      continue;
    }
    if (key.startsWith(RENDITIONS_PREFIX)) {
      // Dated by its image's id: a rendition is made after its image's record.
      const image = imageOfRenditionKey(key);
      if (!image || !olderThan(image.imageId, options.graceMs)) continue;
      const { renditions } = candidatesOf(image.gridId);
      renditions.set(image.imageId, [...(renditions.get(image.imageId) ?? []), key]);
      continue;
    }
    const gridId = key.slice(0, key.indexOf('/'));
    if (!gridId || !olderThan(imageIdOfKey(key), options.graceMs)) continue;
    candidatesOf(gridId).images.push(key);
  }

  const unrecordedImages: string[] = [];
  const unrecordedRenditions: string[] = [];
  for (const [gridId, { images, renditions }] of candidates) {
    // Listed after the objects: a record written meanwhile is seen, never missed.
    const records = await index.list(gridId);
    const recorded = new Set(records.map((record) => record.key));
    const recordedIds = new Set(records.map((record) => record.imageId));
    // A confirmed two-step upload gets a new image id at its confirm, so an image
    // being confirmed is as young as any upload in flight.
    unrecordedImages.push(...images.filter((key) => !recorded.has(key)));
    for (const [imageId, keys] of renditions) {
      if (!recordedIds.has(imageId)) unrecordedRenditions.push(...keys);
    }
  }
  await objects.delete('source', [
    ...unrecordedImages,
    ...unrecordedRenditions,
    ...abandonedUploads,
  ]);
  return { unrecordedImages, unrecordedRenditions, abandonedUploads };
}
