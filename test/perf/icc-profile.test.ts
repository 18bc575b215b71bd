import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderTile } from '../../src/core/compose.js';
import { isSrgbProfile } from '../../src/core/icc-profile.js';

const photo = (profile?: string) => {
  const image = sharp({ create: { width: 64, height: 40, channels: 3, background: '#d04020' } });
  return (profile ? image.withIccProfile(profile) : image).jpeg({ quality: 95 }).toBuffer();
};
const iccOf = async (bytes: Buffer) => (await sharp(bytes).metadata()).icc;

describe('isSrgbProfile', () => {
  it('knows sRGB profiles (v2 desc and v4 mluc descriptions)', async () => {
    expect(isSrgbProfile(await iccOf(await photo('srgb')))).toBe(true);
  });

  it('rejects other profiles, no profile and garbage', async () => {
    expect(isSrgbProfile(await iccOf(await photo('p3')))).toBe(false);
    expect(isSrgbProfile(await iccOf(await photo('cmyk')))).toBe(false);
    expect(isSrgbProfile(undefined)).toBe(false);
    expect(isSrgbProfile(Buffer.alloc(200, 7))).toBe(false);
  });
});

describe('renderTile colour management', () => {
  it('still converts a Display P3 photo to sRGB', async () => {
    const bytes = await photo('p3');
    const tile = await renderTile(bytes, 8, 1e8);
    const plain = await sharp(bytes).resize(8, 8, { fit: 'cover' }).raw().toBuffer();
    const untransformed = await sharp(bytes)
      .resize(8, 8, { fit: 'cover' })
      .keepIccProfile()
      .raw()
      .toBuffer();
    expect(tile.equals(plain)).toBe(true);
    expect(tile.equals(untransformed)).toBe(false);
  });

  it('gives an sRGB-tagged photo the same pixels as the full colour transform', async () => {
    const bytes = await photo('srgb');
    const tile = await renderTile(bytes, 8, 1e8);
    expect(tile.equals(await sharp(bytes).resize(8, 8, { fit: 'cover' }).raw().toBuffer())).toBe(
      true,
    );
  });
});
