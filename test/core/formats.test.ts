import { describe, expect, it } from 'vitest';
import {
  INPUT_FORMATS,
  type InputFormat,
  SNIFF_BYTES,
  sniffInputFormat,
} from '../../src/core/formats.js';
import { heicFixture } from '../support/heic-fixtures.js';
import { solidImage } from '../support/images.js';

describe('sniffInputFormat', () => {
  it.each(Object.keys(INPUT_FORMATS).filter((format) => format !== 'heic') as InputFormat[])(
    'knows a %s from its first bytes',
    async (format) => {
      const image = await solidImage([200, 40, 40], 16, 16, format as Exclude<InputFormat, 'heic'>);
      expect(sniffInputFormat(image.subarray(0, SNIFF_BYTES))).toBe(format);
    },
  );

  it('knows a HEIC (HEVC) from its brands, an AVIF with a HEIF brand as an AVIF', async () => {
    expect(sniffInputFormat((await heicFixture('photo')).subarray(0, SNIFF_BYTES))).toBe('heic');
    const ftyp = (major: string, ...compatible: string[]) =>
      Buffer.from(
        `\0\0\0${String.fromCharCode(16 + 4 * compatible.length)}ftyp${major}\0\0\0\0${compatible.join('')}`,
        'latin1',
      );
    for (const brand of ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']) {
      expect(sniffInputFormat(ftyp(brand, 'mif1'))).toBe('heic');
    }
    expect(sniffInputFormat(ftyp('mif1', 'heic'))).toBe('heic');
    expect(sniffInputFormat(ftyp('msf1', 'hevc'))).toBe('heic');
    expect(sniffInputFormat(ftyp('mif1', 'avif'))).toBe('avif');
    expect(sniffInputFormat(ftyp('mif1', 'miaf'))).toBeUndefined();
  });

  it.each([
    ['text', Buffer.from('notes about the trip')],
    ['an ftyp box of another kind', Buffer.from('\0\0\0\x14ftypisom\0\0\0\0mp41')],
    ['too few bytes', Buffer.from([0xff, 0xd8])],
    ['nothing', Buffer.alloc(0)],
  ])('knows nothing of %s', (_, head) => {
    expect(sniffInputFormat(head)).toBeUndefined();
  });
});
