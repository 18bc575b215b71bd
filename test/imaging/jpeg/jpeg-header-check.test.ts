import sharp, { type JpegOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { plainJpegOrientation } from '../../../src/imaging/jpeg/jpeg-header-check.js';
import { completeSequentialJpeg, jpegHeaders } from '../../../src/imaging/jpeg/jpeg-structure.js';

const photo = (options: JpegOptions = {}, profile?: string, orientation?: number) => {
  const image = sharp({
    create: {
      width: 48,
      height: 32,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  });
  if (profile) image.withIccProfile(profile);
  if (orientation) image.withMetadata({ orientation });
  return image.jpeg({ quality: 90, ...options }).toBuffer();
};

const verdict = (jpeg: Buffer) =>
  plainJpegOrientation(completeSequentialJpeg(jpeg)?.segments ?? []);

/** What libvips reads: its orientation, and whether the build's decoder takes the file. */
async function libvipsView(jpeg: Buffer) {
  try {
    await sharp(jpeg, { failOn: 'none' }).raw().toBuffer();
  } catch {
    return { decodes: false };
  }
  const { orientation } = await sharp(jpeg).metadata();
  return { orientation: orientation ?? 1, decodes: true };
}

/** The JPEG with its IFD0 Orientation entry rewritten (type, count, value). */
function withOrientationEntry(jpeg: Buffer, type: number, count: number, value: number): Buffer {
  const copy = Buffer.from(jpeg);
  const exif = jpegHeaders(copy)?.segments.find((s) => s.marker === 0xe1)?.body as Buffer;
  const tiff = exif.subarray(6);
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const directory = little ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  for (let i = 0; i < u16(directory); i++) {
    const entry = directory + 2 + i * 12;
    if (u16(entry) !== 0x0112) continue;
    if (little) {
      tiff.writeUInt16LE(type, entry + 2);
      tiff.writeUInt32LE(count, entry + 4);
      tiff.writeUInt32LE(value >>> 0, entry + 8);
    } else {
      tiff.writeUInt16BE(type, entry + 2);
      tiff.writeUInt32BE(count, entry + 4);
      // A 2-byte value sits in the first two bytes of the field.
      if (type === 3 || type === 8) tiff.writeUInt32BE((value << 16) >>> 0, entry + 8);
      else tiff.writeUInt32BE(value >>> 0, entry + 8);
    }
    return copy;
  }
  throw new Error('no Orientation entry');
}

describe('plainJpegOrientation', () => {
  it('reads plain photos as libvips does: every orientation, sampling, coding and sRGB profile', async () => {
    const variants: [JpegOptions, string | undefined][] = [
      [{}, undefined],
      [{ optimiseCoding: false }, 'srgb'],
      [{ chromaSubsampling: '4:4:4' }, undefined],
      [{ quality: 40, optimiseCoding: false, chromaSubsampling: '4:4:4' }, 'srgb'],
    ];
    for (const [options, profile] of variants) {
      for (const orientation of [undefined, 1, 2, 3, 4, 5, 6, 7, 8]) {
        const jpeg = await photo(options, profile, orientation);
        const expected = await libvipsView(jpeg);
        expect(expected.decodes).toBe(true);
        expect(verdict(jpeg), `${JSON.stringify(options)} ${profile} ${orientation}`).toBe(
          expected.orientation,
        );
      }
    }
    const grey = await sharp(await photo())
      .greyscale()
      .jpeg()
      .toBuffer();
    expect(verdict(grey)).toBe(1);
  });

  it('reads the Orientation tag stored as any integer type, as libvips does', async () => {
    const base = await photo({}, undefined, 6);
    for (const type of [3, 4, 8, 9]) {
      const jpeg = withOrientationEntry(base, type, 1, 8);
      expect((await libvipsView(jpeg)).orientation, `type ${type}`).toBe(8);
      expect(verdict(jpeg), `type ${type}`).toBe(8);
    }
  });

  it('leaves odd orientation entries to libvips', async () => {
    const base = await photo({}, undefined, 6);
    const odd = [
      withOrientationEntry(base, 3, 1, 9), // out of range: libvips reads it as 1
      withOrientationEntry(base, 3, 2, 6), // two values
      withOrientationEntry(base, 5, 1, 6), // a RATIONAL
      withOrientationEntry(base, 9, 1, -6),
    ];
    for (const jpeg of odd) {
      expect(verdict(jpeg)).toBeUndefined();
      expect((await libvipsView(jpeg)).decodes).toBe(true);
    }
  });

  it('leaves other profiles, Adobe segments and tables libjpeg refuses to libvips', async () => {
    expect(verdict(await photo({}, 'p3'))).toBeUndefined();

    const plain = await photo();
    const adobe = Buffer.concat([
      plain.subarray(0, 2),
      Buffer.from([0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, 1]),
      plain.subarray(2),
    ]);
    expect(verdict(plain)).toBe(1);
    expect(verdict(adobe)).toBeUndefined();

    // Three 1-bit codes cannot exist, though the counts still add up.
    const bogus = Buffer.from(plain);
    const table = jpegHeaders(bogus)?.segments.find((s) => s.marker === 0xc4)?.body as Buffer;
    const counts = table.subarray(1, 17);
    const moved = 3 - (counts[0] as number);
    const donor = counts.findIndex((count, i) => i > 0 && count >= moved);
    counts[0] = 3;
    counts[donor] = (counts[donor] as number) - moved;
    expect(verdict(bogus)).toBeUndefined();
    expect((await libvipsView(bogus)).decodes).toBe(false);

    // A quantisation step of zero.
    const zeroStep = Buffer.from(plain);
    const quant = jpegHeaders(zeroStep)?.segments.find((s) => s.marker === 0xdb)?.body as Buffer;
    quant[1] = 0;
    expect(verdict(zeroStep)).toBeUndefined();
  });
});
