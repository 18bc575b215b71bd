import { describe, expect, it } from 'vitest';
import { gridLayout, gridSize, tileOrigin } from '../../src/core/layout.js';

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
