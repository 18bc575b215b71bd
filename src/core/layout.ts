import type { Labels } from './grid-options.js';
import type { BuildOptions } from './ports.js';

export interface GridLayout {
  columns: number;
  rows: number;
}

/** Where one photo goes on the canvas, in whole pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A grid image's canvas and a box for each photo, in the grid's order. `rows` and
 * `columns` describe it to clients: for justified rows, `columns` is the most photos
 * in one row.
 */
export interface TilePlacement {
  width: number;
  height: number;
  columns: number;
  rows: number;
  boxes: Box[];
  /** The band under every box that holds its label; none without labels. */
  labelHeight?: number;
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

/** The lab's grid as boxes: square tiles, row-major. */
export function gridPlacement(
  count: number,
  tileSize: number,
  gap = 0,
  columns?: number,
): TilePlacement {
  const layout = gridLayout(count, columns);
  const boxes = Array.from({ length: count }, (_, index) => ({
    ...tileOrigin(index, layout.columns, tileSize, gap),
    width: tileSize,
    height: tileSize,
  }));
  return { ...gridSize(layout, tileSize, gap), ...layout, boxes };
}

/**
 * A justified layout's width when none is asked: about the side of a square holding every
 * photo at the row height (each with its gap), so that few photos are not stacked one a
 * row in a narrow column, nor many spread in a strip; at least the widest photo at the row
 * height. With `columns` asked, the width of the square grid with that many.
 */
export function defaultWidth(
  aspects: readonly number[],
  { tileSize, gap, columns }: { tileSize: number; gap: number; columns?: number | undefined },
): number {
  if (columns !== undefined) {
    return gridSize(gridLayout(aspects.length, columns), tileSize, gap).width;
  }
  const area = aspects.reduce(
    (sum, aspect) => sum + (tileSize * aspect + gap) * (tileSize + gap),
    0,
  );
  const widest = aspects.reduce((most, aspect) => Math.max(most, Math.ceil(tileSize * aspect)), 0);
  return Math.max(Math.round(Math.sqrt(area)) + gap, widest + 2 * gap);
}

/** The placement a build's options make of photos of these aspect ratios (width / height). */
export function placeTiles(
  aspects: readonly number[],
  options: Pick<BuildOptions, 'layout' | 'tileSize' | 'columns' | 'gap' | 'width'> & {
    labels?: Labels | undefined;
  },
): TilePlacement {
  const { tileSize, gap, width, labels = 'none' } = options;
  const placement =
    options.layout === 'justified'
      ? justifiedPlacement(aspects, { width, rowHeight: tileSize, gap })
      : gridPlacement(aspects.length, tileSize, gap, options.columns);
  return withLabelBands(placement, labelHeight(labels, tileSize));
}

/** The band a label needs under a tile: an eighth of the tile, 16 px at least (10 px text). */
export const labelHeight = (labels: Labels, tileSize: number): number =>
  labels === 'none' ? 0 : Math.max(16, Math.round(tileSize / 8));

/**
 * The placement with a band `band` pixels high under every row of photos, for their
 * labels: each row moves down by the bands above it. A row's boxes share their top
 * and height in both layouts, so the bands line up.
 */
export function withLabelBands(placement: TilePlacement, band: number): TilePlacement {
  if (band === 0) return placement;
  const tops = [...new Set(placement.boxes.map((box) => box.top))].sort((a, b) => a - b);
  const rowOf = new Map(tops.map((top, row) => [top, row]));
  return {
    ...placement,
    height: placement.height + tops.length * band,
    boxes: placement.boxes.map((box) => ({
      ...box,
      top: box.top + (rowOf.get(box.top) as number) * band,
    })),
    labelHeight: band,
  };
}

/**
 * Justified rows, like Flickr's and Google Photos' albums: every photo whole at its
 * aspect ratio (`aspects[i]` = width / height), in rows of equal height that fill
 * `width`, in the photos' order, with `gap` pixels between and around them.
 *
 * Row breaks are greedy: photos join a row while its fill height (the width left after
 * the gaps over the sum of the row's aspect ratios) stays above `rowHeight`; the row
 * then keeps whichever of with or without its last photo is closer to `rowHeight`.
 * A row never takes more photos than it has pixels for; a single wide photo may make
 * a row lower than `rowHeight`.
 *
 * Whole pixels, a straight right edge: a row's height is its fill height rounded, and
 * its widths are the exact fill's rounded by largest remainder, so every full row ends
 * exactly at `width - gap`; each width is then within `1 + aspect / 2` pixels of
 * `aspect * height`. The last row is not stretched: `rowHeight` high (its fill height
 * if lower), left-aligned, the rest of it background. Every box is at least 1 px a side.
 */
export function justifiedPlacement(
  aspects: readonly number[],
  { width, rowHeight, gap }: { width: number; rowHeight: number; gap: number },
): TilePlacement {
  const boxes: Box[] = [];
  let top = gap;
  let rows = 0;
  let columns = 0;
  for (let start = 0; start < aspects.length; ) {
    const end = rowEnd(aspects, start, width, rowHeight, gap);
    const row = aspects.slice(start, end);
    const available = width - (row.length + 1) * gap;
    const { height, widths } = sizeRow(row, available, rowHeight, end === aspects.length);
    let left = gap;
    for (const boxWidth of widths) {
      boxes.push({ left, top, width: boxWidth, height });
      left += boxWidth + gap;
    }
    top += height + gap;
    rows++;
    columns = Math.max(columns, row.length);
    start = end;
  }
  return { width, height: top, columns, rows, boxes };
}

/** Where the row starting at `start` ends (exclusive): the greedy break. */
function rowEnd(
  aspects: readonly number[],
  start: number,
  width: number,
  rowHeight: number,
  gap: number,
): number {
  const fill = (count: number, aspectSum: number) => (width - (count + 1) * gap) / aspectSum;
  let end = start + 1;
  let sum = aspects[start] as number;
  while (end < aspects.length && fill(end - start, sum) > rowHeight) {
    const count = end - start + 1;
    if (width - (count + 1) * gap < count) break;
    const withNext = fill(count, sum + (aspects[end] as number));
    if (withNext < rowHeight && rowHeight - withNext >= fill(count - 1, sum) - rowHeight) break;
    sum += aspects[end] as number;
    end++;
  }
  return end;
}

/** A row's height and widths in whole pixels (see justifiedPlacement). */
function sizeRow(row: readonly number[], available: number, rowHeight: number, last: boolean) {
  const sum = row.reduce((total, aspect) => total + aspect, 0);
  const fill = available / sum;
  const exact = last ? Math.min(rowHeight, fill) : fill;
  const total =
    exact === fill ? available : Math.min(available, Math.max(row.length, Math.round(exact * sum)));
  return {
    height: Math.max(1, Math.round(exact)),
    widths: apportion(
      row.map((aspect) => aspect * exact),
      total,
    ),
  };
}

/**
 * Whole numbers that add up to `total` (at least one each), each within 1 of its
 * share: the largest remainder method, then any 0 given a pixel of the widest.
 */
function apportion(shares: readonly number[], total: number): number[] {
  const whole = shares.map(Math.floor);
  const left = total - whole.reduce((sum, value) => sum + value, 0);
  const byRemainder = shares
    .map((share, index) => ({ index, remainder: share - Math.floor(share) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder.slice(0, left)) whole[index] = (whole[index] as number) + 1;
  for (const [index, value] of whole.entries()) {
    if (value > 0) continue;
    const widest = whole.indexOf(Math.max(...whole));
    whole[widest] = (whole[widest] as number) - 1;
    whole[index] = 1;
  }
  return whole;
}
