import { describe, expect, it } from 'vitest';
import {
  type Box,
  defaultWidth,
  gridLayout,
  gridPlacement,
  gridSize,
  justifiedPlacement,
  labelHeight,
  placeTiles,
  type TilePlacement,
  tileOrigin,
  withLabelBands,
} from '../../src/core/layout.js';

describe('gridLayout', () => {
  it.each([
    [1, 1, 1],
    [2, 1, 2],
    [3, 1, 3],
    [5, 2, 3],
    [16, 4, 4],
    [17, 4, 5],
    [1000, 31, 33],
  ])('lays out %i images as %i columns x %i rows', (n, columns, rows) => {
    expect(gridLayout(n)).toEqual({ columns, rows });
  });

  it('honours requested columns', () => {
    expect(gridLayout(5, 5)).toEqual({ columns: 5, rows: 1 });
    expect(gridLayout(5, 3)).toEqual({ columns: 3, rows: 2 });
    expect(gridLayout(3, 10)).toEqual({ columns: 10, rows: 1 });
  });

  it('refuses an empty grid', () => {
    expect(() => gridLayout(0)).toThrow(RangeError);
  });

  it('places tiles row-major from the top left', () => {
    expect(tileOrigin(0, 3, 100)).toEqual({ left: 0, top: 0 });
    expect(tileOrigin(2, 3, 100)).toEqual({ left: 200, top: 0 });
    expect(tileOrigin(3, 3, 100)).toEqual({ left: 0, top: 100 });
    expect(tileOrigin(7, 3, 100)).toEqual({ left: 100, top: 200 });
  });
});

describe('gaps', () => {
  it('puts `gap` pixels between tiles and around the grid', () => {
    expect(gridSize({ columns: 3, rows: 2 }, 100, 10)).toEqual({ width: 340, height: 230 });
    expect(tileOrigin(0, 3, 100, 10)).toEqual({ left: 10, top: 10 });
    expect(tileOrigin(2, 3, 100, 10)).toEqual({ left: 230, top: 10 });
    expect(tileOrigin(4, 3, 100, 10)).toEqual({ left: 120, top: 120 });
  });

  it('without a gap, is the lab’s: tiles edge to edge', () => {
    expect(gridSize({ columns: 3, rows: 2 }, 100)).toEqual({ width: 300, height: 200 });
    expect(gridSize({ columns: 3, rows: 2 }, 100, 0)).toEqual({ width: 300, height: 200 });
  });
});

/** A justified placement's rows: the boxes grouped by their top. */
const rowsOf = (placement: TilePlacement) => {
  const rows = new Map<number, Box[]>();
  for (const box of placement.boxes) rows.set(box.top, [...(rows.get(box.top) ?? []), box]);
  return [...rows.values()];
};

/** The rounding bound the layout promises: the width is off by at most 1 + aspect/2. */
const expectAspectKept = (box: Box, aspect: number) =>
  expect(Math.abs(box.width - aspect * box.height)).toBeLessThanOrEqual(1 + aspect / 2);

describe('justifiedPlacement', () => {
  // Landscape, portrait, square and a panorama, in an order no sort would give.
  const aspects = [1.5, 0.75, 1, 2.4, 0.66, 1.33, 1.78, 0.8, 1, 3.2, 1.5, 0.56, 1.25];

  it.each([
    [0, 600, 100],
    [0, 1000, 150],
    [7, 640, 90],
    [20, 1500, 200],
  ])(
    'gap %i, width %i, row height %i: equal rows, whole photos, a straight right edge',
    (gap, width, rowHeight) => {
      const placement = justifiedPlacement(aspects, { width, rowHeight, gap });
      expect(placement.width).toBe(width);
      expect(placement.boxes).toHaveLength(aspects.length);
      const rows = rowsOf(placement);
      expect(rows.length).toBeGreaterThan(1);
      expect(placement.rows).toBe(rows.length);
      expect(placement.columns).toBe(Math.max(...rows.map((row) => row.length)));
      let top = gap;
      let index = 0;
      for (const [r, row] of rows.entries()) {
        expect(row[0]?.top).toBe(top);
        let left = gap;
        for (const box of row) {
          // In the chosen order, each box right after the one before and the gap.
          expect(box).toBe(placement.boxes[index]);
          expectAspectKept(box, aspects[index] as number);
          expect(box.left).toBe(left);
          expect(box.height).toBe(row[0]?.height);
          left += box.width + gap;
          index++;
        }
        const last = r === rows.length - 1;
        if (!last)
          expect(left).toBe(width); // ends exactly at width - gap
        else expect(left).toBeLessThanOrEqual(width); // left-aligned, not stretched
        top += (row[0] as Box).height + gap;
      }
      expect(placement.height).toBe(top);
    },
  );

  it('keeps the row height near the target: full rows within about a photo of it', () => {
    const placement = justifiedPlacement(aspects, { width: 1000, rowHeight: 150, gap: 0 });
    for (const row of rowsOf(placement).slice(0, -1)) {
      expect(row[0]?.height).toBeGreaterThan(100);
      expect(row[0]?.height).toBeLessThan(225);
    }
  });

  it('breaks rows greedily: whichever of with or without the last photo is closer', () => {
    // Squares in 400 px at 100 px: four fill it exactly; at 110 px, four (100) beat three (133).
    const squares = Array(8).fill(1);
    expect(
      rowsOf(justifiedPlacement(squares, { width: 400, rowHeight: 100, gap: 0 })).map(
        (r) => r.length,
      ),
    ).toEqual([4, 4]);
    expect(
      rowsOf(justifiedPlacement(squares, { width: 400, rowHeight: 110, gap: 0 })).map(
        (r) => r.length,
      ),
    ).toEqual([4, 4]);
    // At 125 px: three (133) are closer than four (100).
    expect(
      rowsOf(justifiedPlacement(squares, { width: 400, rowHeight: 125, gap: 0 })).map(
        (r) => r.length,
      ),
    ).toEqual([3, 3, 2]);
  });

  it('does not stretch the last row: the target height, left-aligned', () => {
    // Three squares fill 360 px at 120 px high; four would make 87.5, further from 110.
    const placement = justifiedPlacement([1, 1, 1, 1, 1], { width: 400, rowHeight: 110, gap: 10 });
    const rows = rowsOf(placement);
    expect(rows.map((row) => row.map((box) => [box.left, box.width, box.height]))).toEqual([
      [
        [10, 120, 120],
        [140, 120, 120],
        [270, 120, 120],
      ],
      [
        [10, 110, 110],
        [130, 110, 110],
      ],
    ]);
    expect(placement.height).toBe(10 + 120 + 10 + 110 + 10);
  });

  it('lets a single panorama make a lower row, and keeps it whole', () => {
    const placement = justifiedPlacement([4, 8, 4], { width: 400, rowHeight: 100, gap: 0 });
    const rows = rowsOf(placement);
    const panorama = placement.boxes[1] as Box;
    expect(rows.length).toBe(3);
    expect([panorama.left, panorama.width, panorama.height]).toEqual([0, 400, 50]);
  });

  it('places one photo at the target height, or lower when it is wider than the width', () => {
    expect(justifiedPlacement([1.5], { width: 800, rowHeight: 100, gap: 4 })).toEqual({
      width: 800,
      height: 108,
      columns: 1,
      rows: 1,
      boxes: [{ left: 4, top: 4, width: 150, height: 100 }],
    });
    const wide = justifiedPlacement([10], { width: 208, rowHeight: 100, gap: 4 });
    expect(wide.boxes).toEqual([{ left: 4, top: 4, width: 200, height: 20 }]);
    expect(wide.height).toBe(28);
  });

  it('gives every box at least a pixel a side', () => {
    const placement = justifiedPlacement([50, 0.01, 1], { width: 20, rowHeight: 8, gap: 0 });
    for (const box of placement.boxes) {
      expect(box.width).toBeGreaterThanOrEqual(1);
      expect(box.height).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('gridPlacement', () => {
  it('puts square tiles where tileOrigin says, in a canvas of gridSize', () => {
    const placement = gridPlacement(5, 100, 10);
    expect(placement).toMatchObject({ width: 230, height: 340, columns: 2, rows: 3 });
    expect(placement.boxes[3]).toEqual({ left: 120, top: 120, width: 100, height: 100 });
    expect(gridPlacement(5, 100, 0, 5)).toMatchObject({
      width: 500,
      height: 100,
      columns: 5,
      rows: 1,
    });
  });
});

describe('placeTiles', () => {
  const options = { tileSize: 100, columns: 2, gap: 0 };
  it('lays out the grid, or justified rows of the given width', () => {
    expect(placeTiles([1, 2, 1], { ...options, layout: 'grid', width: 200 })).toEqual(
      gridPlacement(3, 100, 0, 2),
    );
    expect(placeTiles([1, 2, 1], { ...options, layout: 'justified', width: 300 })).toEqual(
      justifiedPlacement([1, 2, 1], { width: 300, rowHeight: 100, gap: 0 }),
    );
  });

  it('defaults the justified width to one that makes the image about square', () => {
    // Three landscape photos at 150 px rows: not one photo a row in a 150 px column.
    expect(defaultWidth([1.5, 1.5, 1.5], { tileSize: 150, gap: 0 })).toBe(318);
    for (const aspects of [[1.5, 1.5, 1.5], Array(7).fill(0.75), Array(100).fill(1.5)]) {
      for (const gap of [0, 8]) {
        const width = defaultWidth(aspects, { tileSize: 200, gap });
        const { height } = justifiedPlacement(aspects, { width, rowHeight: 200, gap });
        expect(width / height).toBeGreaterThan(0.6);
        expect(width / height).toBeLessThan(1.7);
      }
    }
  });

  it('makes room for the widest photo at the row height', () => {
    expect(defaultWidth([4], { tileSize: 100, gap: 5 })).toBe(410);
  });

  it('keeps the width of the square grid with the columns asked', () => {
    expect(defaultWidth(Array(10).fill(1.5), { tileSize: 100, gap: 5, columns: 4 })).toBe(425);
  });
});

describe('label bands', () => {
  it('put a band under every row of a grid, the rows moved down by the bands above', () => {
    const plain = gridPlacement(5, 100, 10);
    const labelled = withLabelBands(plain, 16);
    expect(labelled.labelHeight).toBe(16);
    // 3 rows of 2: 3 bands more.
    expect([labelled.width, labelled.height]).toEqual([plain.width, plain.height + 3 * 16]);
    expect(labelled.boxes.map((box) => box.top)).toEqual([10, 10, 136, 136, 262]);
    expect(labelled.boxes.map((box) => [box.left, box.width, box.height])).toEqual(
      plain.boxes.map((box) => [box.left, box.width, box.height]),
    );
  });

  it('put a band under every justified row, whatever its height', () => {
    const plain = justifiedPlacement([2, 0.5, 1, 1.5, 1], { width: 300, rowHeight: 80, gap: 4 });
    const labelled = withLabelBands(plain, 20);
    const rows = new Set(plain.boxes.map((box) => box.top)).size;
    expect(rows).toBeGreaterThan(1);
    expect(labelled.height).toBe(plain.height + rows * 20);
    for (const [i, box] of labelled.boxes.entries()) {
      const before = plain.boxes[i] as Box;
      const rowsAbove = new Set(plain.boxes.filter((b) => b.top < before.top).map((b) => b.top));
      expect(box.top).toBe(before.top + rowsAbove.size * 20);
    }
  });

  it('leave a placement without labels as it is', () => {
    const plain = gridPlacement(3, 50, 2);
    expect(withLabelBands(plain, 0)).toEqual(plain);
  });

  it('are an eighth of the tile high, 16 px at least, and none without labels', () => {
    expect(labelHeight('name', 300)).toBe(38);
    expect(labelHeight('name', 40)).toBe(16);
    expect(labelHeight('none', 300)).toBe(0);
  });
});
