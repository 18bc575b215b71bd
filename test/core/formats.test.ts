import { describe, expect, it } from 'vitest';
import { INPUT_FORMATS, type InputFormat, sniffInputFormat } from '../../src/core/formats.js';
import { solidImage } from '../support/images.js';

describe('sniffInputFormat', () => {
  it.each(Object.keys(INPUT_FORMATS) as InputFormat[])(
    'knows a %s from its first bytes',
    async (format) => {
      const image = await solidImage([200, 40, 40], 16, 16, format);
      expect(sniffInputFormat(image.subarray(0, 16))).toBe(format);
    },
  );

  it.each([
    ['text', Buffer.from('notes about the trip')],
    ['a HEIC brand', Buffer.from('\0\0\0\x18ftypheic\0\0\0\0')],
    ['too few bytes', Buffer.from([0xff, 0xd8])],
    ['nothing', Buffer.alloc(0)],
  ])('knows nothing of %s', (_, head) => {
    expect(sniffInputFormat(head)).toBeUndefined();
  });
});
