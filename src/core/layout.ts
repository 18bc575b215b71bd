export interface GridLayout {
  columns: number;
  rows: number;
}

/**
 * The lab's layout: `columns = floor(sqrt(n))`, `rows = ceil(n / columns)`,
 * unless the caller asks for a number of columns.
 */
export function gridLayout(imageCount: number, columns?: number): GridLayout {
  if (!Number.isInteger(imageCount) || imageCount < 1) {
    throw new RangeError(`A grid needs at least one image, got ${imageCount}`);
  }
  const cols = columns ?? Math.floor(Math.sqrt(imageCount));
  return { columns: cols, rows: Math.ceil(imageCount / cols) };
}

/** Top-left pixel of tile `index`, placed row-major. */
export function tileOrigin(index: number, columns: number, tileSize: number) {
  return { left: (index % columns) * tileSize, top: Math.floor(index / columns) * tileSize };
}
