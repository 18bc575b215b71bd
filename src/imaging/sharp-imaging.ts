import type { Imaging } from '../core/ports.js';
import { composeGrid } from './compose.js';
import { probeImage } from './image-probe.js';
import { renditionsOf } from './renditions.js';

/** The imaging the service is given: libvips, through sharp. */
export const sharpImaging: Imaging = { probe: probeImage, composeGrid, renditions: renditionsOf };
