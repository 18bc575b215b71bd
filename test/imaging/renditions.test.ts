import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { renditionsOf } from '../../src/imaging/renditions.js';
import { photoLikeJpeg, rotatedImage } from '../support/images.js';

describe('renditions', () => {
  test('have the asked short side, keep the aspect, and come upright', async () => {
    const [small, large] = await renditionsOf(
      { bytes: await photoLikeJpeg(1279, 797) },
      [256, 640],
    );
    expect(await sharp(small?.bytes).metadata()).toMatchObject({
      format: 'jpeg',
      width: 411,
      height: 256,
    });
    expect(await sharp(large?.bytes).metadata()).toMatchObject({ width: 1027, height: 640 });

    // Stored 200x100 with EXIF orientation 6: upright it is 100x200.
    const [turned] = await renditionsOf({ bytes: await rotatedImage() }, [50]);
    const meta = await sharp(turned?.bytes).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([50, 100, 1]);
  });

  test('flatten transparency onto black, as the grid does', async () => {
    const clear = await sharp({
      create: {
        width: 300,
        height: 200,
        channels: 4,
        background: { r: 255, g: 255, b: 255, alpha: 0 },
      },
    })
      .png()
      .toBuffer();
    const [rendition] = await renditionsOf({ bytes: clear }, [100]);
    const { data, info } = await sharp(rendition?.bytes)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect(Math.max(...data)).toBeLessThan(8);
  });
});
