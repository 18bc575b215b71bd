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

/** The grid image's size: the tiles, with `gap` pixels between them and around them. */
export function gridSize({ columns, rows }: GridLayout, tileSize: number, gap = 0) {
  return { width: columns * (tileSize + gap) + gap, height: rows * (tileSize + gap) + gap };
}

/** Top-left pixel of tile `index`, placed row-major after a `gap` border. */
export function tileOrigin(index: number, columns: number, tileSize: number, gap = 0) {
  const pitch = tileSize + gap;
  return { left: gap + (index % columns) * pitch, top: gap + Math.floor(index / columns) * pitch };
}
