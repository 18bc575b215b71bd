import { describe, expect, it } from 'vitest';
import { GridBuilderError } from '../../src/core/errors.js';
import {
  gridKey,
  IMAGE_ID_PATTERN,
  imageIdOfKey,
  newImageId,
  parseGridId,
  parseImageId,
  sourceKey,
  stagingKey,
} from '../../src/core/ids.js';

describe('grid ids', () => {
  it.each(['a', 'Z', '0', 'trip-2024', 'my_grid.v2', 'a'.repeat(128)])('accepts %s', (id) => {
    expect(parseGridId(id)).toBe(id);
  });

  it.each([
    ['', /missing/],
    [undefined, /missing/],
    ['-start', /1-128 characters/],
    ['.hidden', /1-128 characters/],
    ['_x', /1-128 characters/],
    ['a'.repeat(129), /1-128 characters/],
    ['has space', /1-128 characters/],
    ['../etc', /1-128 characters/],
    ['a/b', /1-128 characters/],
    ['émoji', /1-128 characters/],
  ])('rejects %j', (id, message) => {
    expect(() => parseGridId(id)).toThrow(message);
    try {
      parseGridId(id);
    } catch (error) {
      expect(error).toBeInstanceOf(GridBuilderError);
      expect((error as GridBuilderError).kind).toBe('invalid_request');
    }
  });
});

describe('image ids', () => {
  it('are ULIDs that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newImageId());
    for (const id of ids) expect(id).toMatch(IMAGE_ID_PATTERN);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('are validated', () => {
    const id = newImageId();
    expect(parseImageId(id)).toBe(id);
    expect(() => parseImageId('not-an-id')).toThrow(/26-character/);
    expect(() => parseImageId(id.toLowerCase())).toThrow(/26-character/);
  });
});

describe('keys', () => {
  it('look like GRID/ID.ext and give their id back', () => {
    const key = sourceKey('trip', '01JABCDEFGHJKMNPQRSTVWXYZ0', 'jpg');
    expect(key).toBe('trip/01JABCDEFGHJKMNPQRSTVWXYZ0.jpg');
    expect(imageIdOfKey(key)).toBe('01JABCDEFGHJKMNPQRSTVWXYZ0');
  });

  it('keep staging uploads and built grids apart from images', () => {
    expect(stagingKey('trip', 'X')).toBe('_uploads/trip/X');
    expect(gridKey('trip', 'abc', 'webp')).toBe('trip/grid-abc.webp');
  });
});
