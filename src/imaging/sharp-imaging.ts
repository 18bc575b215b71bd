import type { Imaging } from '../core/ports.js';
import { composeGrid, tilesHeld } from './compose.js';
import { probeImage } from './image-probe.js';
import { renditionsOf } from './renditions.js';
import { SpareCanvas } from './spare-canvas.js';
import { TileCache } from './tile-cache.js';

/**
 * The imaging the service is given: libvips, through sharp, keeping up to `keptBytes` of
 * recent tiles and a spare canvas of up to as much (TILE_CACHE_MB).
 */
export function createSharpImaging(keptBytes: number): Imaging {
  const kept = { tiles: new TileCache(keptBytes), canvas: new SpareCanvas(keptBytes) };
  return {
    probe: probeImage,
    composeGrid: (request) => composeGrid(request, kept),
    tilesHeld: (request) => tilesHeld(request, kept.tiles),
    renditions: renditionsOf,
  };
}

/** Keeping nothing: each build decodes its sources onto a new canvas. */
export const sharpImaging: Imaging = createSharpImaging(0);
