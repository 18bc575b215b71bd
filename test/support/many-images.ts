import pLimit from 'p-limit';
import { expect } from 'vitest';
import { RED, solidImage } from './images.js';
import type { LabCalls } from './local-server.js';

/**
 * Adds `count` small images to the grid, several at a time, and gives their ids in the
 * grid's order (upload order: ids are time-ordered).
 */
export async function addImages(calls: LabCalls, gridId: string, count: number): Promise<string[]> {
  const bytes = await solidImage(RED, 8, 8, 'png');
  const limit = pLimit(8);
  const ids = await Promise.all(
    Array.from({ length: count }, () =>
      limit(async () => {
        const response = await calls.addImage(gridId, bytes);
        expect(response.status).toBe(200);
        return ((await response.json()) as { image_id: string }).image_id;
      }),
    ),
  );
  return ids.sort();
}
