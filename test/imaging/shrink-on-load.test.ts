import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegShrinkOnLoad } from '../../src/imaging/decode.js';
import { renderTile, square } from '../../src/imaging/tile.js';
import { BLUE, GREEN, near, RED, type Rgb, solidImage, stripedImage } from '../support/images.js';

const LIMIT = 1e8;

describe('jpegShrinkOnLoad', () => {
  it('picks the smallest JPEG scale whose short side still covers the tile', async () => {
    const photo = await solidImage(RED, 1280, 800);
    expect(jpegShrinkOnLoad(photo, square(100), LIMIT)).toBe(8); // sharp itself asks for 4
    expect(jpegShrinkOnLoad(photo, square(101), LIMIT)).toBe(4);
    expect(jpegShrinkOnLoad(photo, square(200), LIMIT)).toBe(4);
    expect(jpegShrinkOnLoad(photo, square(400), LIMIT)).toBe(2);
    expect(jpegShrinkOnLoad(photo, square(401), LIMIT)).toBe(1);
    expect(jpegShrinkOnLoad(await solidImage(RED, 800, 1280), square(100), LIMIT)).toBe(8);
  });

  it('covers a box of any shape: short side over short side, long over long', async () => {
    const photo = await solidImage(RED, 1280, 800);
    expect(jpegShrinkOnLoad(photo, { width: 160, height: 100 }, LIMIT)).toBe(8);
    expect(jpegShrinkOnLoad(photo, { width: 200, height: 125 }, LIMIT)).toBe(4); // 1/8: 160x100
    expect(jpegShrinkOnLoad(photo, { width: 100, height: 300 }, LIMIT)).toBe(4); // 1/8: 160 long
    expect(jpegShrinkOnLoad(photo, { width: 100, height: 641 }, LIMIT)).toBe(1);
  });

  it('renders a tile the size of its box', async () => {
    const photo = await solidImage(RED, 1280, 800);
    const tile = await renderTile(photo, { width: 48, height: 30 }, LIMIT);
    expect(tile.length).toBe(48 * 30 * 3);
  });

  it('leaves other formats, unreadable headers and photos past the pixel limit to sharp', async () => {
    expect(jpegShrinkOnLoad(await solidImage(RED, 1280, 800, 'png'), square(100), LIMIT)).toBe(1);
    expect(jpegShrinkOnLoad(Buffer.from('not a jpeg'), square(100), LIMIT)).toBe(1);
    expect(jpegShrinkOnLoad(await solidImage(RED, 1280, 800), square(100), 1280 * 800 - 1)).toBe(1);
  });
});

describe('renderTile from a file', () => {
  let folder: string;
  const fileWith = async (name: string, bytes: Buffer) => {
    const file = join(folder, name);
    await writeFile(file, bytes);
    return file;
  };
  const pixel = (tile: Buffer, size: number, x: number, y: number): Rgb => {
    const at = (y * size + x) * 3;
    return [tile[at] as number, tile[at + 1] as number, tile[at + 2] as number];
  };

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'gridbuilder-shrink-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('decodes the file when the JPEG can shrink on load, the bytes otherwise', async () => {
    // Different pictures under one name show which one the tile came from.
    const bytes = await solidImage(RED, 1600, 800);
    const file = await fileWith('green.jpg', await solidImage(GREEN, 1600, 800));
    expect(near(pixel(await renderTile(bytes, square(100), LIMIT, file), 100, 50, 50), GREEN)).toBe(
      true,
    );
    expect(near(pixel(await renderTile(bytes, square(500), LIMIT, file), 500, 250, 250), RED)).toBe(
      true,
    );
  });

  it('keeps orientation and centre crop, with the pixels of a decode of the bytes', async () => {
    // Stored 2400x800 red|green|blue: the centre square is green, turned or not.
    // Stored 1600x800 red|blue, EXIF 6: upright 800x1600, its centre square red on top.
    const striped = await stripedImage([RED, GREEN, BLUE], 800, 800);
    const turned = await sharp(striped).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const twoTone = await sharp(await stripedImage([RED, BLUE], 800, 800))
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    for (const bytes of [turned, twoTone])
      expect(jpegShrinkOnLoad(bytes, square(100), LIMIT)).toBe(8);

    const centre = await renderTile(
      turned,
      square(100),
      LIMIT,
      await fileWith('turned.jpg', turned),
    );
    for (const [x, y] of [
      [2, 2],
      [97, 2],
      [50, 50],
      [2, 97],
      [97, 97],
    ] as const) {
      expect(near(pixel(centre, 100, x, y), GREEN)).toBe(true);
    }
    const halves = await renderTile(
      twoTone,
      square(100),
      LIMIT,
      await fileWith('two.jpg', twoTone),
    );
    expect([10, 90].map((x) => near(pixel(halves, 100, x, 10), RED))).toEqual([true, true]);
    expect([10, 90].map((x) => near(pixel(halves, 100, x, 90), BLUE))).toEqual([true, true]);

    const fromBytes = await renderTile(twoTone, square(100), LIMIT);
    let difference = 0;
    for (let i = 0; i < halves.length; i++) {
      difference += Math.abs((halves[i] as number) - (fromBytes[i] as number));
    }
    expect(halves.length).toBe(100 * 100 * 3);
    expect(difference / halves.length).toBeLessThan(2);
  });

  it('falls back to the bytes when the file is gone', async () => {
    const bytes = await solidImage(BLUE, 1600, 800);
    const tile = await renderTile(bytes, square(100), LIMIT, join(folder, 'deleted.jpg'));
    expect(near(pixel(tile, 100, 50, 50), BLUE)).toBe(true);
  });
});
