import type { ObjectStore } from '../src/core/ports.js';

/** Deletes the grid's built results so the next build is a real one. */
export async function removeBuiltGrids(objects: ObjectStore, gridId: string): Promise<void> {
  await objects.delete('destination', await objects.list('destination', `${gridId}/`));
}
