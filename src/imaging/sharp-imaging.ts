import type { Imaging } from '../core/ports.js';
import { composeGrid } from './compose.js';
import { probeImage } from './image-probe.js';
import { renditionsOf } from './renditions.js';
import { TileCache } from './tile-cache.js';

/** The imaging the service is given: libvips, through sharp, keeping up to `tileCacheBytes` of tiles. */
export function createSharpImaging(tileCacheBytes: number): Imaging {
  const tiles = new TileCache(tileCacheBytes);
  return {
    probe: probeImage,
    composeGrid: (request) => composeGrid(request, tiles),
    renditions: renditionsOf,
  };
}

/** Without a tile cache: each build decodes its sources. */
export const sharpImaging: Imaging = createSharpImaging(0);
