import { isErrorKind } from './errors.js';
import { gridOfKey, imageIdOfKey, renditionKey } from './ids.js';
import type { GridIndex, ImageRecord, Imaging, ObjectStore } from './ports.js';

export interface RenditionPorts {
  objects: ObjectStore;
  index: GridIndex;
}

/** What `makeRenditions` did with one image. */
export type RenditionOutcome = 'made' | 'present' | 'image_gone';

/** The sizes an image gets: those below its short side, as renditions are never enlarged. */
export const renditionSizesFor = (
  record: Pick<ImageRecord, 'width' | 'height'>,
  sizes: readonly number[],
): number[] =>
  [...new Set(sizes)]
    .filter((size) => size < Math.min(record.width, record.height))
    .sort((a, b) => a - b);

/**
 * The smallest rendition of the record whose short side covers `side`, or undefined
 * when it has none that large (or none yet).
 */
export const renditionCovering = (
  record: Pick<ImageRecord, 'renditions'>,
  side: number,
): number | undefined => record.renditions?.filter((size) => size >= side).sort((a, b) => a - b)[0];

/**
 * Makes and records the renditions of the image stored under `key`; idempotent, so the
 * local worker, a lazy retry and (on AWS) an S3 event handler may all call it, twice
 * or at once. The record is written last and only if it still exists: an image deleted
 * meanwhile gets its renditions taken back rather than resurrected, and a crash before
 * the record leaves only unrecorded renditions, which the sweep removes.
 */
export async function makeRenditions(
  { objects, index }: RenditionPorts,
  imaging: Pick<Imaging, 'renditions'>,
  key: string,
  sizes: readonly number[],
): Promise<RenditionOutcome> {
  const gridId = gridOfKey(key);
  const record = await index.find(gridId, imageIdOfKey(key));
  if (!record) return 'image_gone';
  if (record.renditions) return 'present';
  const wanted = renditionSizesFor(record, sizes);
  const keys = wanted.map((size) => renditionKey(key, size));
  if (wanted.length > 0) {
    let source: Awaited<ReturnType<ObjectStore['getSource']>>;
    try {
      source = await objects.getSource(key);
    } catch (error) {
      if (isErrorKind(error, 'not_found')) return 'image_gone';
      throw error;
    }
    const renditions = await imaging.renditions(source, wanted);
    await Promise.all(
      renditions.map(({ size, bytes }) =>
        objects.put('source', renditionKey(key, size), bytes, 'image/jpeg'),
      ),
    );
  }
  if (await index.setRenditions(gridId, key, wanted)) return 'made';
  await objects.delete('source', keys);
  return 'image_gone';
}
