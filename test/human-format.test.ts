import { describe, expect, it } from 'vitest';
import { formatBytes, plural } from '../src/human-format.js';

describe('formatBytes', () => {
  it('reads at a glance: whole bytes, one decimal below 100, none above', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(812.4)).toBe('812 bytes');
    expect(formatBytes(1_500)).toBe('1.5 KB');
    expect(formatBytes(150_000)).toBe('150 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('26.2 MB');
    expect(formatBytes(3e12)).toBe('3000 GB');
  });
});

describe('plural', () => {
  it('adds an s except for one', () => {
    expect([0, 1, 2].map((n) => plural(n, 'image'))).toEqual(['0 images', '1 image', '2 images']);
  });
});
