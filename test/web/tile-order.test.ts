import { describe, expect, it } from 'vitest';
import { dropIndex, moved } from '../../web/src/tile-order.js';

describe('moving a tile in the list', () => {
  const tiles = ['a', 'b', 'c', 'd'];

  it('takes the tile out and puts it back at its new index', () => {
    expect(moved(tiles, 2, 0)).toEqual(['c', 'a', 'b', 'd']);
    expect(moved(tiles, 0, 3)).toEqual(['b', 'c', 'd', 'a']);
    expect(moved(tiles, 1, 1)).toEqual(tiles);
    expect(tiles).toEqual(['a', 'b', 'c', 'd']); // the list shown is not changed in place
  });

  it('lands a dropped tile before or after the tile it is dropped on', () => {
    // [from, target, after] -> the order shown after the drop
    const cases: [number, number, boolean, string[]][] = [
      [2, 0, false, ['c', 'a', 'b', 'd']],
      [2, 0, true, ['a', 'c', 'b', 'd']],
      [0, 2, false, ['b', 'a', 'c', 'd']],
      [0, 2, true, ['b', 'c', 'a', 'd']],
      [0, 3, true, ['b', 'c', 'd', 'a']],
      [1, 1, true, tiles],
      [1, 2, false, tiles],
    ];
    for (const [from, target, after, expected] of cases) {
      expect({
        from,
        target,
        after,
        order: moved(tiles, from, dropIndex(from, target, after)),
      }).toEqual({ from, target, after, order: expected });
    }
  });
});
