import sharp, { type JpegOptions } from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeImage } from '../../src/core/image-probe.js';
import { headersOfCompleteSequentialJpeg, jpegHeaders } from '../../src/core/jpeg-structure.js';

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

describe('headersOfCompleteSequentialJpeg', () => {
  it('gives a baseline photo its headers alone, 16x16, which decode with its profile', async () => {
    const bytes = await photo();
    const headers = headersOfCompleteSequentialJpeg(bytes);
    expect(headers).toBeDefined();
    expect((headers as Buffer).length).toBeLessThan(bytes.length / 10);
    const metadata = await sharp(headers).metadata();
    expect([metadata.width, metadata.height]).toEqual([16, 16]);
    expect(metadata.icc?.equals((await sharp(bytes).metadata()).icc as Buffer)).toBe(true);
    const { info } = await sharp(headers, { failOn: 'none' }).raw().toBuffer({
      resolveWithObject: true,
    });
    expect([info.width, info.height]).toEqual([16, 16]);
  });

  it('leaves progressive, truncated and stray-marker files to a full decode', async () => {
    expect(headersOfCompleteSequentialJpeg(await photo({ progressive: true }))).toBeUndefined();
    const bytes = await photo();
    expect(headersOfCompleteSequentialJpeg(bytes.subarray(0, bytes.length - 100))).toBeUndefined();
    const scanStart = (jpegHeaders(bytes) as { scanStart: number }).scanStart;
    const stray = Buffer.from(bytes);
    stray.set([0xff, 0xc0], scanStart + 200); // a second frame marker inside the scan
    expect(headersOfCompleteSequentialJpeg(stray)).toBeUndefined();
    const restart = Buffer.from(bytes);
    restart.set([0xff, 0xd3], scanStart + 200); // restart markers are fine
    expect(headersOfCompleteSequentialJpeg(restart)).toBeDefined();
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

  it('accepts a photo whose scan has a corrupt stretch: the build renders it', async () => {
    const bytes = Buffer.from(await photo());
    const scanStart = (jpegHeaders(bytes) as { scanStart: number }).scanStart;
    bytes.fill(0x55, scanStart + 100, scanStart + 400);
    await expect(probeImage(bytes, 1e8)).resolves.toMatchObject({ width: 320, height: 200 });
  });
});
