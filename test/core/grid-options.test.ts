import { describe, expect, it } from 'vitest';
import { parseBackground } from '../../src/core/grid-options.js';

describe('parseBackground', () => {
  it.each([
    ['#ffffff', '#ffffff'],
    ['FFFFFF', '#ffffff'],
    ['#1a2B3c', '#1a2b3c'],
    ['fff', '#ffffff'],
    ['#0a5', '#00aa55'],
    [' 000000 ', '#000000'],
  ])('reads %j as %s', (written, colour) => {
    expect(parseBackground(written)).toBe(colour);
  });

  it.each(['', '#', 'white', '#12345', '#1234567', 'ggg', '##fff', 'rgb(0,0,0)'])(
    'refuses %j',
    (written) => {
      expect(parseBackground(written)).toBeUndefined();
    },
  );
});
