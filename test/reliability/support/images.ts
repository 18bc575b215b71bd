import sharp from 'sharp';
import { prng } from '../../support/images.js';

/** An integer in [min, max]. */
export const between = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));

/** A small image with some structure (a gradient and a block), so codecs have work to do. */
export async function makeImage(
  format: 'jpeg' | 'png' | 'webp',
  seed: number,
  width = 48,
  height = 36,
): Promise<Buffer> {
  const random = prng(seed);
  const pixels = Buffer.alloc(width * height * 3);
  const [r, g, b] = [between(random, 0, 255), between(random, 0, 255), between(random, 0, 255)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const block = x > width / 3 && x < (2 * width) / 3 && y > height / 3;
      pixels[i] = block ? 255 - r : (r + x * 3) & 255;
      pixels[i + 1] = block ? 255 - g : (g + y * 5) & 255;
      pixels[i + 2] = block ? 255 - b : (b + x + y) & 255;
    }
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (format === 'jpeg') return image.jpeg({ quality: 80 }).toBuffer();
  if (format === 'png') return image.png().toBuffer();
  return image.webp({ quality: 80 }).toBuffer();
}

/** Runs `worker` for each item with at most `clients` in flight. */
export async function withClients<T>(
  items: readonly T[],
  clients: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) {
        const index = next++;
        await worker(items[index] as T, index);
      }
    }),
  );
}
