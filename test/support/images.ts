import sharp from 'sharp';

export type Rgb = readonly [number, number, number];

/** A JPEG (or other format) of one solid colour. */
export const solidImage = (
  colour: Rgb,
  width = 64,
  height = 64,
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff' = 'jpeg',
): Promise<Buffer> =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: colour[0], g: colour[1], b: colour[2] },
    },
  })
    .toFormat(format)
    .toBuffer();

/** Vertical stripes of the given colours, left to right, each `stripeWidth` wide. */
export async function stripedImage(
  colours: readonly Rgb[],
  stripeWidth: number,
  height: number,
): Promise<Buffer> {
  const width = stripeWidth * colours.length;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = colours[Math.floor(x / stripeWidth)] as Rgb;
      pixels.set(colour, (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** Stored landscape (left red, right blue) with EXIF orientation 6: upright it is portrait, red on top. */
export const rotatedImage = async (): Promise<Buffer> =>
  sharp(await stripedImage([RED, BLUE], 100, 100))
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 95 })
    .toBuffer();

/** The RGB value at (x, y) of an encoded image. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(image)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [data[offset] as number, data[offset + 1] as number, data[offset + 2] as number];
}

/** True when every channel is within `tolerance` (JPEG is lossy). */
export const near = (actual: Rgb, expected: Rgb, tolerance = 24): boolean =>
  actual.every((value, i) => Math.abs(value - (expected[i] as number)) <= tolerance);

export const RED: Rgb = [220, 20, 20];
export const GREEN: Rgb = [20, 200, 40];
export const BLUE: Rgb = [20, 40, 220];
export const YELLOW: Rgb = [230, 220, 30];
export const MAGENTA: Rgb = [210, 30, 200];
export const BLACK: Rgb = [0, 0, 0];

/** Gaussian noise around mid-grey: detail everywhere, which compresses badly. */
const noise = (width: number, height: number, sigma: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma },
    },
  });

/**
 * A camera-sized JPEG with detail everywhere (blurred noise), in place of a real photo:
 * a clean clone has no photos folder.
 */
export const photoLikeJpeg = (width = 2560, height = 1600): Promise<Buffer> =>
  noise(width, height, 60).blur(1.2).jpeg({ quality: 90 }).toBuffer();

/** A PNG of random noise: it barely compresses, so 1500x1200 is over 4 MB (the two-step size). */
export const noisyPng = (width = 1500, height = 1200): Promise<Buffer> =>
  noise(width, height, 80).png({ compressionLevel: 1 }).toBuffer();
