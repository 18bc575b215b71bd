import { describe, expect, it } from 'vitest';
import { TileCache } from '../../src/imaging/tile-cache.js';

const tile = (bytes: number, fill = 1) => Buffer.alloc(bytes, fill);

describe('TileCache', () => {
  it('gives back what it keeps, and nothing for a key it never saw', () => {
    const cache = new TileCache(100);
    cache.set('a', tile(10, 7));
    expect(cache.get('a')).toEqual(tile(10, 7));
    expect(cache.get('b')).toBeUndefined();
  });

  it('drops the least recently used tiles first, to stay within its bytes', () => {
    const cache = new TileCache(30);
    cache.set('a', tile(10));
    cache.set('b', tile(10));
    cache.set('c', tile(10));
    cache.get('a'); // used: b is now the oldest
    cache.set('d', tile(10));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => cache.get(key) !== undefined)).toEqual([true, true, true]);
    expect(cache.bytes).toBe(30);
  });

  it('counts a replaced tile once', () => {
    const cache = new TileCache(30);
    cache.set('a', tile(10));
    cache.set('a', tile(20, 2));
    expect(cache.bytes).toBe(20);
    expect(cache.get('a')).toEqual(tile(20, 2));
  });

  it('holds a build only when all its tiles fit: a bigger one would evict its own before any reuse', () => {
    const cache = new TileCache(30_000);
    // Tiles of any sizes: their bytes in all.
    expect(cache.holds(30_000)).toBe(true);
    expect(cache.holds(30_001)).toBe(false);
    expect(new TileCache(0).holds(1)).toBe(false);
  });

  it('says whether it has a tile without marking it used: an estimate changes no order', () => {
    const cache = new TileCache(20);
    cache.set('a', tile(10));
    cache.set('b', tile(10));
    expect([cache.has('a'), cache.has('c')]).toEqual([true, false]);
    cache.set('c', tile(10)); // a is still the oldest
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([false, true, true]);
  });
});
