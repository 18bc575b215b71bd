import { beforeEach, describe, expect, it } from 'vitest';
import type { GridService } from '../../src/core/grid-service.js';
import { stagingKey } from '../../src/core/ids.js';
import { parseImageName } from '../../src/core/image-name.js';
import {
  type MemoryGridIndex,
  type MemoryObjectStore,
  memoryService,
  textImage,
} from '../support/memory-ports.js';

// An image's file name (issue 17, item 5): checked, stored with the image, never a key.

describe('an image name', () => {
  it.each([
    ['a plain name is kept', 'photo.jpg', 'photo.jpg'],
    ['a folder part is stripped', 'trip/day 1/photo.jpg', 'photo.jpg'],
    ['so is a Windows one', 'C:\\Users\\ann\\Pictures\\beach.png', 'beach.png'],
    ['and a mix of both', 'a\\b/c\\d.jpg', 'd.jpg'],
    ['decomposed Unicode becomes NFC', 'Cafe\u0301.jpg', 'Caf\u00e9.jpg'],
    ['spaces are kept as they are', '  two  spaces .jpg', '  two  spaces .jpg'],
    ['255 characters', `${'é'.repeat(251)}.jpg`, `${'é'.repeat(251)}.jpg`],
    ['255 characters counted as code points', `${'😀'.repeat(251)}.jpg`, `${'😀'.repeat(251)}.jpg`],
    [
      'quotes and HTML stay text',
      '"<img src=x onerror=alert(1)>".jpg',
      '"<img src=x onerror=alert(1)>".jpg',
    ],
  ])('%s', (_, input, expected) => {
    expect(parseImageName(input)).toBe(expected);
  });

  it('is undefined when none is given', () => {
    expect(parseImageName(undefined)).toBeUndefined();
  });

  it.each([
    ['empty', '', /empty/],
    ['only a folder', 'photos/', /empty/],
    ['only spaces', '   ', /only spaces/],
    ['only Unicode spaces', '\u00a0\u3000', /only spaces/],
    ['256 characters', `${'x'.repeat(252)}.jpg`, /at most 255 characters.*256/],
    ['256 characters after NFC still', 'e\u0301'.repeat(256), /at most 255 characters.*256/],
    ['a NUL', 'a\u0000.jpg', /control character/],
    ['a line break', 'a\nb.jpg', /control character/],
    ['a tab', 'a\tb.jpg', /control character/],
    ['DEL', 'a\u007f.jpg', /control character/],
    ['a C1 control', 'a\u0085.jpg', /control character/],
  ])('refuses %s: invalid_parameter, param name', (_, input, message) => {
    expect(() => parseImageName(input)).toThrow(message);
    try {
      parseImageName(input);
    } catch (error) {
      expect(error).toMatchObject({
        kind: 'invalid_request',
        code: 'invalid_parameter',
        param: 'name',
      });
    }
  });
});

describe('names stored with images', () => {
  let objects: MemoryObjectStore;
  let index: MemoryGridIndex;
  let service: GridService;

  beforeEach(() => {
    ({ objects, index, service } = memoryService());
  });

  it('add_image stores the name, checked, with the record; the key stays the id', async () => {
    const record = await service.addImage('trip', textImage('jpeg', 40, 30), {}, 'day1/beach.jpg');
    expect(record.name).toBe('beach.jpg');
    expect(record.key).toBe(`trip/${record.imageId}.jpg`);
    expect(await index.list('trip')).toEqual([record]);
  });

  it('without a name, the record has none', async () => {
    const record = await service.addImage('trip', textImage('jpeg', 40, 30));
    expect(record).not.toHaveProperty('name');
  });

  it('names are not unique: two images may share one', async () => {
    await service.addImage('trip', textImage('jpeg', 40, 30), {}, 'same.jpg');
    await service.addImage('trip', textImage('png', 40, 30), {}, 'same.jpg');
    expect((await index.list('trip')).map((r) => r.name)).toEqual(['same.jpg', 'same.jpg']);
  });

  it('an invalid name stores nothing', async () => {
    await expect(
      service.addImage('trip', textImage('jpeg', 40, 30), {}, 'bad\nname.jpg'),
    ).rejects.toMatchObject({ code: 'invalid_parameter', param: 'name' });
    expect(objects.buckets.source.size).toBe(0);
    expect(index.records.size).toBe(0);
  });

  it('a two-step upload binds its name when it is created; the confirm records it', async () => {
    const upload = await service.createUpload('trip', 10, {}, 'big/panorama.png');
    await objects.put(
      'source',
      stagingKey('trip', upload.uploadId),
      textImage('png', 40, 30),
      'image/png',
    );
    const record = await service.confirmUpload('trip', upload.uploadId);
    expect(record.name).toBe('panorama.png');
    expect(await index.list('trip')).toEqual([record]);
  });

  it('a two-step upload without a name records none', async () => {
    const upload = await service.createUpload('trip', 10);
    await objects.put(
      'source',
      stagingKey('trip', upload.uploadId),
      textImage('png', 40, 30),
      'image/png',
    );
    expect(await service.confirmUpload('trip', upload.uploadId)).not.toHaveProperty('name');
  });

  it('an invalid name refuses the upload link before any byte is sent', async () => {
    await expect(service.createUpload('trip', 10, {}, 'x'.repeat(300))).rejects.toMatchObject({
      code: 'invalid_parameter',
      param: 'name',
    });
  });
});
