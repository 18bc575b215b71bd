import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeImage } from '../../src/imaging/image-probe.js';

const image = (format: 'jpeg' | 'png' | 'gif' | 'webp') =>
  sharp({
    create: {
      width: 300,
      height: 200,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .toFormat(format)
    .toBuffer();

describe('probeImage', () => {
  it('still rejects a truncated JPEG', async () => {
    const bytes = await image('jpeg');
    await expect(probeImage(bytes.subarray(0, bytes.length >> 1), 1e8)).rejects.toMatchObject({
      kind: 'unprocessable',
    });
  });

  it('accepts a JPEG with bytes after its end marker when it decodes', async () => {
    const bytes = Buffer.concat([await image('jpeg'), Buffer.from('trailer data')]);
    await expect(probeImage(bytes, 1e8)).resolves.toMatchObject({ format: 'jpeg', width: 300 });
  });
});
