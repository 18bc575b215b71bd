import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../src/imaging/decode.js';
import { decodeHeic } from '../../src/imaging/heic/heic-decoder.js';
import { probeImage } from '../../src/imaging/image-probe.js';
import { renditionsOf } from '../../src/imaging/renditions.js';
import { renderTile, square } from '../../src/imaging/tile.js';
import { HEIC_SOURCES, heicFixture, meanDifference } from '../support/heic-fixtures.js';

// HEVC-coded HEIF (an iPhone's HEIC), which sharp's libvips cannot decode: committed
// fixtures (test/fixtures/heic) compared with the generated photos they were made from.

/** The upright pixels openSource gives, as a PNG. */
const decoded = async (bytes: Buffer) => (await openSource(bytes, 1e8)).png().toBuffer();

/** A copy whose primary image's `ispe` (its coded size) says `width` x `height`. */
function withCodedSize(heic: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(heic);
  const at = copy.indexOf('ispe', 0, 'latin1');
  copy.writeUInt32BE(width, at + 8); // after the type, version and flags
  copy.writeUInt32BE(height, at + 12);
  return copy;
}

/** A copy whose coded pixels (the `mdat` box) are overwritten: the header still reads. */
function withDamagedPixels(heic: Buffer): Buffer {
  const copy = Buffer.from(heic);
  copy.fill(0x5a, copy.indexOf('mdat', 0, 'latin1') + 4);
  return copy;
}

describe('probeImage of a HEIC', () => {
  it('tells its format, stored extension and size', async () => {
    await expect(probeImage(await heicFixture('photo'), 1e8)).resolves.toEqual({
      format: 'heic',
      extension: 'heic',
      contentType: 'image/heic',
      width: 480,
      height: 320,
    });
  });

  it('tells the size after its rotation (irot), not the coded size', async () => {
    await expect(probeImage(await heicFixture('turned'), 1e8)).resolves.toMatchObject({
      width: 480,
      height: 320,
    });
  });

  it('tells the size of the primary image of a file of several', async () => {
    await expect(probeImage(await heicFixture('two-images'), 1e8)).resolves.toMatchObject({
      width: 320,
      height: 240,
    });
  });

  it('refuses more pixels than the limit from the header, before any decode', async () => {
    await expect(probeImage(await heicFixture('photo'), 480 * 320 - 1)).rejects.toMatchObject({
      kind: 'too_large',
      code: 'too_many_pixels',
    });
    // Its pixels are damaged too: a decode first would have called it corrupt.
    const huge = withDamagedPixels(withCodedSize(await heicFixture('photo'), 30_000, 30_000));
    await expect(probeImage(huge, 1e8)).rejects.toMatchObject({
      kind: 'too_large',
      code: 'too_many_pixels',
    });
  });

  it('refuses a truncated or damaged HEIC as a corrupt image, as a JPEG', async () => {
    const photo = await heicFixture('photo');
    for (const bytes of [photo.subarray(0, photo.length >> 1), withDamagedPixels(photo)]) {
      await expect(probeImage(bytes, 1e8)).rejects.toMatchObject({
        kind: 'unprocessable',
        code: 'corrupt_image',
      });
    }
  });
});

describe('decoding a HEIC', () => {
  it('gives the pixels of the photo it was encoded from', async () => {
    const png = await decoded(await heicFixture('photo'));
    expect(await sharp(png).metadata()).toMatchObject({ width: 480, height: 320 });
    expect(await meanDifference(png, await HEIC_SOURCES.photo())).toBeLessThan(4);
  });

  it('applies irot (and not the EXIF orientation as well): upright', async () => {
    const png = await decoded(await heicFixture('turned'));
    expect(await meanDifference(png, await HEIC_SOURCES.turned())).toBeLessThan(4);
  });

  it('decodes the primary image of a file of several', async () => {
    const png = await decoded(await heicFixture('two-images'));
    expect(await meanDifference(png, await HEIC_SOURCES.second())).toBeLessThan(4);
  });

  it('makes a tile like the one of the same photo as a JPEG', async () => {
    const [fromHeic, fromJpeg] = await Promise.all(
      [await heicFixture('photo'), await HEIC_SOURCES.photo()].map(async (bytes) =>
        sharp(await renderTile(bytes, square(100), 1e8), {
          raw: { width: 100, height: 100, channels: 3 },
        })
          .png()
          .toBuffer(),
      ),
    );
    expect(await meanDifference(fromHeic as Buffer, fromJpeg as Buffer)).toBeLessThan(4);
  });

  it('makes renditions like the ones of the same photo as a JPEG', async () => {
    const image = (bytes: Buffer) => ({ key: 'k', bytes });
    const [fromHeic, fromJpeg] = await Promise.all([
      renditionsOf(image(await heicFixture('turned')), [256]),
      renditionsOf(image(await HEIC_SOURCES.turned()), [256]),
    ]);
    expect(await sharp(fromHeic[0]?.bytes).metadata()).toMatchObject({
      format: 'jpeg',
      width: 384,
      height: 256,
    });
    expect(
      await meanDifference(fromHeic[0]?.bytes as Buffer, fromJpeg[0]?.bytes as Buffer),
    ).toBeLessThan(4);
  });

  it('refuses more pixels than the limit before decoding', async () => {
    const huge = withDamagedPixels(withCodedSize(await heicFixture('photo'), 30_000, 30_000));
    await expect(openSource(huge, 1e8)).rejects.toThrow(/pixel limit/);
  });

  it('leaves the event loop free: a timer set after the decodes began fires before they end', async () => {
    const files = await Promise.all(
      (['photo', 'turned', 'two-images'] as const).map((name) => heicFixture(name)),
    );
    const decodeAll = () => Promise.all(files.map((bytes) => decodeHeic(bytes, 1e8)));
    await decodeAll(); // the decoder threads are started and warm
    const events: string[] = [];
    const decoding = decodeAll().then(() => events.push('decoded'));
    setTimeout(() => events.push('timer'), 0);
    await decoding;
    expect(events).toEqual(['timer', 'decoded']);
  });
});
