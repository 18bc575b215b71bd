/**
 * Builds held between tiles, for as long as a test needs: the test sees a build running
 * (its progress, a client waiting on it) whatever the machine's speed, then lets it end.
 */

import type { Imaging } from '../../src/core/ports.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { type Gate, gate, type PausePoint } from './pause-points.js';

export interface BuildHolds {
  /** sharp's imaging, but a build armed by `holdNextBuild` stops before its last tile. */
  imaging: Imaging;
  /** Arms a hold: the next build's last source waits to load until `release()`. */
  holdNextBuild(): PausePoint;
}

export function buildHolds(): BuildHolds {
  let armed: Gate | undefined;
  return {
    imaging: {
      ...sharpImaging,
      composeGrid(request) {
        const hold = armed;
        armed = undefined;
        if (!hold) return sharpImaging.composeGrid(request);
        return sharpImaging.composeGrid({
          ...request,
          async loadSource(index) {
            if (index === request.placement.boxes.length - 1) {
              hold.reach();
              await hold.released;
            }
            return request.loadSource(index);
          },
        });
      },
    },
    holdNextBuild() {
      armed = gate();
      return armed;
    },
  };
}
