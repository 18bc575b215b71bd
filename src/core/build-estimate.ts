import { renditionCovering } from './renditions.js';

/** What the estimate reads of an image's record. */
export interface EstimatedImage {
  width: number;
  height: number;
  format: string;
  /** Stored bytes of the original. */
  size: number;
  renditions?: number[];
}

/*
 * Costs of one tile, one decode at a time. Measured on 2026-12-02 with renderTile over
 * the bench's photos (bench/photos.ts) on the 2-core bench machine: a 1280x800 original
 * at tile 100 (1/8 scale) 5.0 ms, at tile 300 (1/2) 8.1 ms; its 256 px rendition at
 * tile 100 3.0 ms; its 640 px rendition at tile 200 6.1 ms; 2560x1600 originals
 * decoded whole (tile 1000) 56 ms: about 12 ns a decoded pixel. The fixed part is
 * larger than the decode's own ~3 ms: it carries the fetch, which on the S3 protocol
 * servers took 7.3 ms an image of 718-byte sources (issue 15: 10,000 in 72.6 s). Bytes
 * cost on their own: the whole file is fetched and entropy-decoded at any scale
 * (issue 15: 12 MP photos at 2.4 MB took 17-30 ms an image).
 */
export const FIXED_MS_PER_IMAGE = 8;
export const NS_PER_DECODED_PIXEL = 12;
export const NS_PER_STORED_BYTE = 5;
/*
 * A tile the imaging holds from an earlier build (src/imaging/tile-cache.ts) is copied
 * onto the canvas, on the event loop, with no read or decode. Measured on 2026-12-02 with
 * composeGrid over held tiles and a spare canvas on the 2-core machine (medians of 9):
 * 1,000 tiles of 100 px placed in 24-37 ms (0.02-0.04 ms a tile; 0.05-0.09 ms with the
 * grid's share of its encode), 1,000 of 200 px in 101 ms (0.1 ms), 16 of 700 px in
 * 6.5 ms (0.4 ms). 0.1 ms: the tile sizes of grids with many photos, where the estimate
 * matters; a few large tiles stay far within any budget.
 */
export const COPY_MS_PER_HELD_TILE = 0.1;
/** Renditions are JPEGs of about 0.17 bytes a pixel (640 px: 71 KB for 640x1024). */
const RENDITION_BYTES_PER_PIXEL = 0.17;

/**
 * Seconds a build of these images at `tileSize` should take with `decodes` decodes
 * truly at once (no more than the cores), when the imaging holds `heldTiles` of its
 * tiles already (Imaging.tilesHeld). Which ones it holds is not asked: the others are
 * counted at the images' mean decode, exact for the usual repeat build (every tile held,
 * or all but a few new photos). Pure: the service compares it with the synchronous
 * budget (SYNC_BUILD_SECONDS).
 */
export function estimateBuildSeconds(
  images: readonly EstimatedImage[],
  tileSize: number,
  decodes: number,
  heldTiles = 0,
): number {
  if (images.length === 0) return 0;
  let ns = 0;
  for (const image of images) {
    const { pixels, bytes } = decodedSource(image, tileSize);
    ns += FIXED_MS_PER_IMAGE * 1e6 + pixels * NS_PER_DECODED_PIXEL + bytes * NS_PER_STORED_BYTE;
  }
  const held = Math.min(Math.max(0, heldTiles), images.length);
  const decoded = ((images.length - held) / images.length) * (ns / 1e9 / Math.max(1, decodes));
  return decoded + (held * COPY_MS_PER_HELD_TILE) / 1000;
}

/**
 * What the build decodes for the image: the smallest rendition covering the tile when
 * recorded, else the original; a JPEG at libjpeg's shrink-on-load scale (as
 * src/imaging/decode.ts picks it), other formats whole.
 */
function decodedSource(image: EstimatedImage, tileSize: number) {
  const short = Math.min(image.width, image.height);
  const long = Math.max(image.width, image.height);
  const rendition = renditionCovering({ renditions: image.renditions }, tileSize);
  if (rendition !== undefined) {
    const pixels = rendition * Math.round((long * rendition) / short);
    return {
      pixels: pixels / shrink(rendition, tileSize) ** 2,
      bytes: pixels * RENDITION_BYTES_PER_PIXEL,
    };
  }
  const scale = image.format === 'jpeg' ? shrink(short, tileSize) : 1;
  return { pixels: (image.width * image.height) / scale ** 2, bytes: image.size };
}

const shrink = (shortSide: number, tileSize: number) =>
  [8, 4, 2].find((k) => shortSide >= k * tileSize) ?? 1;
