import pLimit from 'p-limit';
import sharp from 'sharp';
import type { OutputFormat } from '../core/formats.js';
import {
  DEFAULT_BACKGROUND,
  DEFAULT_CROP,
  MAX_INPUT_PIXELS_CEILING,
} from '../core/grid-options.js';
import type { Box } from '../core/layout.js';
import type { ComposeRequest, TileRequest } from '../core/ports.js';
import { drawLabel, inkFor } from './labels.js';
import type { SpareCanvas } from './spare-canvas.js';
import { CHANNELS, renderTile } from './tile.js';
import type { TileCache } from './tile-cache.js';

/** What an imaging keeps between builds (see sharp-imaging.ts). */
export interface KeptMemory {
  tiles?: TileCache;
  canvas?: SpareCanvas;
}

/**
 * Builds the grid image. Each source is decoded straight to a tile the size of its box
 * (shrink-on-load for JPEG and WebP picks the smallest scale that still covers it), copied into one
 * raw RGB canvas and dropped, so memory grows with the canvas, not with the number or
 * size of the sources. One encode at the end. Sources are stored images, decoded under
 * `MAX_INPUT_PIXELS_CEILING`, not today's upload limit. Given a tile cache, a tile an
 * earlier build made of the same source at the same size and crop is copied instead (see
 * tile-cache.ts); given a spare canvas, the last build's canvas is reused.
 */
export async function composeGrid(
  request: ComposeRequest,
  { tiles, canvas: canvases }: KeptMemory = {},
): Promise<Buffer> {
  const { placement, crop = DEFAULT_CROP } = request;
  const { width, height, boxes } = placement;
  const bytes = width * height * CHANNELS;
  // Painted whole in the background: what no box covers keeps it, tiles cover the rest.
  // Black is a fresh canvas's zeros, with no pass over its memory.
  const { background = DEFAULT_BACKGROUND } = request;
  const paint =
    background === DEFAULT_BACKGROUND ? undefined : Buffer.from(background.slice(1), 'hex');
  const canvas = canvases?.take(bytes, paint) ?? Buffer.alloc(bytes, paint);
  // Each label in the band under its box (placement.labelHeight), legible on the background.
  const band = placement.labelHeight ?? 0;
  const ink = inkFor(background);
  const pipeline = pLimit(request.inFlight);
  const decode = pLimit(request.decodes);
  const tileKey = tileKeys(request, tiles);
  const render = async (index: number, box: Box) => {
    const { bytes, file } = await request.loadSource(index);
    return decode(() => renderTile(bytes, box, MAX_INPUT_PIXELS_CEILING, file, crop));
  };

  await Promise.all(
    boxes.map((box, index) =>
      pipeline(async () => {
        const key = tileKey?.(index);
        const copied = key === undefined ? undefined : tiles?.get(key);
        const tile = copied ?? (await render(index, box));
        if (key !== undefined && !copied) tiles?.set(key, tile);
        copyTile(tile, canvas, width, box);
        const name = band > 0 ? request.label?.(index) : undefined;
        if (name !== undefined) {
          const under = {
            left: box.left,
            top: box.top + box.height,
            width: box.width,
            height: band,
          };
          await drawLabel(canvas, width, under, name, ink);
        }
        request.onTile?.({ cached: copied !== undefined });
      }),
    ),
  );

  const image = await encode(canvas, width, height, request.format);
  canvases?.give(canvas);
  return image;
}

/**
 * How many of the request's tiles `tiles` holds: those composeGrid would copy rather
 * than decode (see the Imaging port's `tilesHeld`).
 */
export function tilesHeld(request: TileRequest, tiles: TileCache | undefined): number {
  const tileKey = tileKeys(request, tiles);
  if (tileKey === undefined || tiles === undefined) return 0;
  return request.placement.boxes.filter((_, index) => tiles.has(tileKey(index))).length;
}

/**
 * The key of box i's tile in the cache, the one place it is formed; undefined when the
 * build keeps no tiles (no source keys, no cache, or more tiles than it can hold).
 */
function tileKeys(
  { placement: { boxes }, sourceKey, crop = DEFAULT_CROP }: TileRequest,
  tiles: TileCache | undefined,
): ((index: number) => string) | undefined {
  const tileBytes = boxes.reduce((sum, box) => sum + box.width * box.height * CHANNELS, 0);
  if (!sourceKey || !tiles?.holds(tileBytes)) return undefined;
  // The size and crop are in the key: a source's key names its pixels, not its tiles'.
  return (index) => {
    const { width, height } = boxes[index] as Box;
    return `${sourceKey(index)}@${width}x${height}/${crop}`;
  };
}

function copyTile(tile: Buffer, canvas: Buffer, canvasWidth: number, box: Box) {
  const { left, top, width, height } = box;
  const rowBytes = width * CHANNELS;
  for (let y = 0; y < height; y++) {
    tile.copy(
      canvas,
      ((top + y) * canvasWidth + left) * CHANNELS,
      y * rowBytes,
      (y + 1) * rowBytes,
    );
  }
}

function encode(
  canvas: Buffer,
  width: number,
  height: number,
  format: OutputFormat,
): Promise<Buffer> {
  const image = sharp(canvas, {
    raw: { width, height, channels: CHANNELS },
    limitInputPixels: false,
  });
  switch (format) {
    case 'jpeg':
      // No Huffman optimisation: it makes libjpeg buffer the coefficients of the whole
      // image (about twice the raw canvas for a big grid) and code it twice, for files
      // only a few percent smaller. The bench's 1000 @ 300 shows both.
      return image.jpeg({ quality: 85, optimiseCoding: false }).toBuffer();
    case 'png':
      return image.png({ compressionLevel: 6 }).toBuffer();
    case 'webp':
      return image.webp({ quality: 85 }).toBuffer();
    case 'avif':
      return image.avif({ quality: 60, effort: 2 }).toBuffer();
  }
}
