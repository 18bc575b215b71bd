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

/** mulberry32: a seeded generator, so generated inputs are the same on every run and failures reproduce. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random values on a coarse grid, upscaled to `width` x `height` by a smooth kernel. */
async function smoothNoise(
  random: () => number,
  cells: number,
  width: number,
  height: number,
  channels: 1 | 3,
): Promise<Buffer> {
  const across = Math.max(2, Math.round((cells * width) / Math.max(width, height)));
  const down = Math.max(2, Math.round((cells * height) / Math.max(width, height)));
  const grid = Buffer.alloc(across * down * channels);
  for (let i = 0; i < grid.length; i++) grid[i] = Math.floor(random() * 256);
  const resized = sharp(grid, { raw: { width: across, height: down, channels } }).resize(
    width,
    height,
    { fit: 'fill', kernel: 'cubic' },
  );
  // One channel in comes out as three (sRGB) unless asked otherwise.
  return (channels === 1 ? resized.extractChannel(0) : resized).raw().toBuffer();
}

/**
 * A JPEG with the statistics of a photo rather than of noise: brightness from octaves
 * of smooth noise, each twice as fine and a little weaker (natural scenes have a
 * roughly 1/f spectrum, so most contrast is coarse yet detail reaches a few pixels),
 * colour from the coarse octaves only, a few soft-edged shapes over it, and a camera's
 * slight blur. White noise is no stand-in: a half-pixel shift, which any resize
 * makes, moves its every pixel. `orientation`: an EXIF orientation stored with it
 * (the pixels are then stored turned, as a camera does).
 */
export async function naturalPhotoJpeg(
  width: number,
  height: number,
  { seed = 1, orientation }: { seed?: number; orientation?: number } = {},
): Promise<Buffer> {
  const random = prng(seed);
  const pixels = width * height;
  const sum = new Float32Array(pixels * 3);
  for (let octave = 0, cells = 3; cells < Math.max(width, height) / 3; octave++, cells *= 2) {
    const amplitude = 0.75 ** octave;
    const light = await smoothNoise(random, cells, width, height, 1);
    const colour = octave < 4 ? await smoothNoise(random, cells, width, height, 3) : undefined;
    for (let p = 0; p < pixels; p++) {
      const l = ((light[p] as number) - 127.5) * amplitude;
      for (let c = 0; c < 3; c++) {
        const tint = colour ? ((colour[p * 3 + c] as number) - 127.5) * amplitude * 0.5 : 0;
        sum[p * 3 + c] = (sum[p * 3 + c] as number) + l + tint;
      }
    }
  }
  // Spread to a photo's contrast: a standard deviation of about 50 around mid-grey.
  let squares = 0;
  for (const value of sum) squares += value * value;
  const gain = 50 / Math.sqrt(squares / sum.length);
  const base = Buffer.alloc(pixels * 3);
  for (let i = 0; i < base.length; i++) {
    base[i] = Math.max(0, Math.min(255, 128 + (sum[i] as number) * gain));
  }

  const shapes = Array.from({ length: 12 }, () => {
    const [x, y] = [random() * width, random() * height];
    const [rx, ry] = [(0.03 + random() * 0.15) * width, (0.03 + random() * 0.15) * height];
    const fill = `rgb(${[0, 0, 0].map(() => Math.floor(random() * 256)).join(',')})`;
    const blur = random() < 0.5 ? ' filter="url(#soft)"' : '';
    return `<ellipse cx="${x}" cy="${y}" rx="${rx}" ry="${ry}" fill="${fill}" fill-opacity="${(0.4 + random() * 0.5).toFixed(2)}"${blur}/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><filter id="soft"><feGaussianBlur stdDeviation="${Math.max(width, height) / 400}"/></filter></defs>${shapes.join('')}</svg>`;
  const image = sharp(
    await sharp(base, { raw: { width, height, channels: 3 } })
      .composite([{ input: Buffer.from(svg) }])
      .removeAlpha()
      .raw()
      .toBuffer(),
    { raw: { width, height, channels: 3 } },
  ).blur(0.6);
  return (orientation ? image.withMetadata({ orientation }) : image)
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A dark 600x150 PNG with a saturated, noisy 120x120 subject 10 px from its left edge:
 * a center crop misses it, libvips' attention and entropy crops find it.
 */
export async function subjectNearLeftEdge(): Promise<Buffer> {
  const random = prng(7);
  const subject = Buffer.alloc(120 * 120 * 3);
  for (let i = 0; i < subject.length; i += 3) {
    subject[i] = 200 + Math.floor(random() * 55);
    subject[i + 1] = Math.floor(random() * 160);
    subject[i + 2] = Math.floor(random() * 60);
  }
  return sharp({
    create: { width: 600, height: 150, channels: 3, background: { r: 12, g: 12, b: 12 } },
  })
    .composite([
      { input: subject, raw: { width: 120, height: 120, channels: 3 }, left: 10, top: 15 },
    ])
    .png()
    .toBuffer();
}
