import { describe, expect, it } from 'vitest';
import { filenameOf } from '../../src/http/content-disposition.js';

// RFC 6266's filename and filename* (RFC 8187), the examples of its section 5 among them.

describe('the file name of a Content-Disposition header', () => {
  it.each([
    ['no header', undefined, undefined],
    ['no filename', 'inline', undefined],
    ['a token', 'attachment; filename=photo.jpg', 'photo.jpg'],
    ['a quoted string', 'Attachment; filename="my photo.jpg"', 'my photo.jpg'],
    [
      'quoted pairs',
      'attachment; filename="a \\"quoted\\" \\\\ name.jpg"',
      'a "quoted" \\ name.jpg',
    ],
    ['parameter names in any case', 'attachment; FileName="a.jpg"', 'a.jpg'],
    ['spaces around the parts', 'attachment ;  filename = "a.jpg" ', 'a.jpg'],
    ['other parameters', 'attachment; size=10; filename="a.jpg"; creation-date="x"', 'a.jpg'],
    ['filename* in UTF-8', "attachment; filename*=UTF-8''%e2%82%ac%20rates.jpg", '€ rates.jpg'],
    [
      'filename* in ISO-8859-1',
      "attachment; filename*=iso-8859-1'en'%A3%20rates.jpg",
      '£ rates.jpg',
    ],
    [
      'filename* before filename wins over it (RFC 6266 5)',
      'attachment; filename*=UTF-8\'\'%e2%82%ac.jpg; filename="EURO.jpg"',
      '€.jpg',
    ],
    [
      'filename* after filename wins over it too',
      'attachment; filename="EURO.jpg"; filename*=utf-8\'\'%e2%82%ac.jpg',
      '€.jpg',
    ],
    [
      'filename* in a charset not read falls back to filename',
      'attachment; filename="plain.jpg"; filename*=KOI8-R\'\'%c1.jpg',
      'plain.jpg',
    ],
    [
      'a latin-1 filename as HTTP carries it',
      'attachment; filename="caf\u00e9.jpg"',
      'caf\u00e9.jpg',
    ],
  ])('%s', (_, header, expected) => {
    expect(filenameOf(header)).toBe(expected);
  });

  it.each([
    ['no type', '; filename="a.jpg"'],
    ['an unclosed quote', 'attachment; filename="a.jpg'],
    ['a filename twice', 'attachment; filename="a.jpg"; filename="b.jpg"'],
    ['a space in a token', 'attachment; filename=a b.jpg'],
    ['filename* without its charset', 'attachment; filename*=%e2%82%ac.jpg'],
    ['filename* that is not UTF-8', "attachment; filename*=UTF-8''%ff.jpg"],
    ['filename* with a broken escape', "attachment; filename*=UTF-8''%e2%8.jpg"],
  ])('refuses %s: invalid_parameter, param name', (_, header) => {
    expect(() => filenameOf(header)).toThrow(/Content-Disposition/);
    try {
      filenameOf(header);
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_parameter', param: 'name' });
    }
  });
});
