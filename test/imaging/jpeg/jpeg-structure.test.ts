import sharp, { type JpegOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeImage } from '../../../src/imaging/image-probe.js';
import { completeSequentialJpeg, jpegHeaders } from '../../../src/imaging/jpeg/jpeg-structure.js';

const headersOnly = (bytes: Buffer) => completeSequentialJpeg(bytes)?.headersOnly;

const photo = (options: JpegOptions = {}) =>
  sharp({
    create: {
      width: 320,
      height: 200,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .withIccProfile('p3')
    .jpeg({ quality: 90, ...options })
    .toBuffer();

const DHT = 0xc4;

describe('completeSequentialJpeg', () => {
  it('gives a baseline photo its size and its headers alone, 16x32, which decode with its profile', async () => {
    const bytes = await photo();
    const jpeg = completeSequentialJpeg(bytes);
    expect(jpeg).toMatchObject({ width: 320, height: 200 });
    const headers = jpeg?.headersOnly as Buffer;
    expect(headers.length).toBeLessThan(bytes.length / 10);
    const metadata = await sharp(headers).metadata();
    expect([metadata.width, metadata.height]).toEqual([16, 32]);
    expect(metadata.icc?.equals((await sharp(bytes).metadata()).icc as Buffer)).toBe(true);
    const { info } = await sharp(headers, { failOn: 'none' }).raw().toBuffer({
      resolveWithObject: true,
    });
    expect([info.width, info.height]).toEqual([16, 32]);
  });

  it('leaves progressive, truncated and stray-marker files to a full decode', async () => {
    expect(headersOnly(await photo({ progressive: true }))).toBeUndefined();
    const bytes = await photo();
    expect(headersOnly(bytes.subarray(0, bytes.length - 100))).toBeUndefined();
    const scanStart = (jpegHeaders(bytes) as { scanStart: number }).scanStart;
    const stray = Buffer.from(bytes);
    stray.set([0xff, 0xc0], scanStart + 200); // a second frame marker inside the scan
    expect(headersOnly(stray)).toBeUndefined();
    const restart = Buffer.from(bytes);
    restart.set([0xff, 0xd3], scanStart + 200); // restart markers are fine
    expect(headersOnly(restart)).toBeDefined();
  });
});

describe('probeImage on JPEGs it does not fully decode', () => {
  it('rejects a Huffman table that only a decode finds bogus', async () => {
    const bytes = Buffer.from(await photo());
    const table = jpegHeaders(bytes)?.segments.find((s) => s.marker === DHT)?.body as Buffer;
    // Three 1-bit codes cannot exist; the counts still add up, so the header reads.
    const counts = table.subarray(1, 17);
    const moved = 3 - (counts[0] as number);
    const donor = counts.findIndex((count, i) => i > 0 && count >= moved);
    counts[0] = 3;
    counts[donor] = (counts[donor] as number) - moved;
    await expect(sharp(bytes).metadata()).resolves.toMatchObject({ format: 'jpeg' });
    await expect(probeImage(bytes, 1e8)).rejects.toMatchObject({ kind: 'unprocessable' });
  });

  it('tells the size after EXIF orientation, as libvips does', async () => {
    for (const orientation of [1, 3, 5, 6, 7, 8]) {
      const bytes = await sharp(await photo())
        .withMetadata({ orientation })
        .jpeg()
        .toBuffer();
      const { autoOrient } = await sharp(bytes).metadata();
      await expect(probeImage(bytes, 1e8), `orientation ${orientation}`).resolves.toMatchObject({
        width: autoOrient.width,
        height: autoOrient.height,
      });
    }
  });

  it('refuses too many pixels from the frame header alone', async () => {
    await expect(probeImage(await photo(), 320 * 200 - 1)).rejects.toMatchObject({
      kind: 'too_large',
    });
  });

  it('accepts a photo whose scan has a corrupt stretch: the build renders it', async () => {
    const bytes = Buffer.from(await photo());
    const scanStart = (jpegHeaders(bytes) as { scanStart: number }).scanStart;
    bytes.fill(0x55, scanStart + 100, scanStart + 400);
    await expect(probeImage(bytes, 1e8)).resolves.toMatchObject({ width: 320, height: 200 });
  });
});
