import type { BuildRecord } from '../../src/core/ports.js';

/**
 * A build record as GridService writes one: a running build of a 2-tile square grid at
 * tile 100 with every option at its default, unless `over` says otherwise.
 */
export const buildRecord = (over: Partial<BuildRecord> = {}): BuildRecord => ({
  gridId: 'trip',
  buildId: 'a'.repeat(24),
  status: 'running',
  tilesDone: 0,
  tilesTotal: 2,
  options: {
    tileSize: 100,
    columns: 1,
    format: 'jpeg',
    crop: 'center',
    gap: 0,
    background: '#000000',
    layout: 'grid',
    width: 100,
    labels: 'none',
  },
  attempts: 1,
  createdAt: '2026-12-02T03:00:00.000Z',
  updatedAt: '2026-12-02T03:00:00.000Z',
  ...over,
});
