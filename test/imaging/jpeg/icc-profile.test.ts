import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isSrgbProfile, jpegIccProfile } from '../../../src/imaging/jpeg/icc-profile.js';
import { renderTile, square } from '../../../src/imaging/tile.js';

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
    const tile = await renderTile(bytes, square(8), 1e8);
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
    const tile = await renderTile(bytes, square(8), 1e8);
    expect(tile.equals(await sharp(bytes).resize(8, 8, { fit: 'cover' }).raw().toBuffer())).toBe(
      true,
    );
  });
});

describe('jpegIccProfile', () => {
  it('reads the same profile from a JPEG header as libvips does', async () => {
    for (const profile of ['srgb', 'p3', 'cmyk']) {
      const bytes = await photo(profile);
      expect(jpegIccProfile(bytes)?.equals((await iccOf(bytes)) as Buffer), profile).toBe(true);
    }
  });

  it('answers null without a profile and undefined for what it cannot read', async () => {
    expect(jpegIccProfile(await photo())).toBeNull();
    expect(
      jpegIccProfile(
        await sharp(await photo('srgb'))
          .png()
          .toBuffer(),
      ),
    ).toBeUndefined();
    const broken = Buffer.from(await photo('srgb'));
    broken.writeUInt16BE(0xffff, 4); // a segment length running past the end
    expect(jpegIccProfile(broken)).toBeUndefined();
  });

  it('survives a malformed description tag (odd UTF-16 length)', async () => {
    const icc = Buffer.alloc(200);
    icc.write('RGB ', 16, 'latin1');
    icc.writeUInt32BE(1, 128);
    icc.write('desc', 132, 'latin1');
    icc.writeUInt32BE(150, 136);
    icc.writeUInt32BE(40, 140);
    icc.write('mluc', 150, 'latin1');
    icc.writeUInt32BE(5, 170); // odd length
    icc.writeUInt32BE(28, 174);
    expect(isSrgbProfile(icc)).toBe(false);
  });
});
