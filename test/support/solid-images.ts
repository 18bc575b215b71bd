import sharp from 'sharp';

export type Rgb = readonly [number, number, number];

/** `count` colours far apart from each other, so tiles can be told apart after JPEG. */
export function distinctColours(count: number): Rgb[] {
  return Array.from({ length: count }, (_, i) => {
    const hue = (i * 360) / count;
    return hslToRgb(hue, 0.9, i % 2 === 0 ? 0.45 : 0.65);
  });
}

/** A JPEG of one colour (a real encode, so the server's probe and decode run for real). */
export const solidJpeg = (colour: Rgb, width = 320, height = 240): Promise<Buffer> =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: colour[0], g: colour[1], b: colour[2] },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();

export interface DecodedImage {
  width: number;
  height: number;
  format: string | undefined;
  pixel(x: number, y: number): Rgb;
}

/** Decodes an encoded image once, to read its size and pixels. */
export async function decode(image: Buffer): Promise<DecodedImage> {
  const { format } = await sharp(image).metadata();
  const { data, info } = await sharp(image)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    format,
    pixel(x, y) {
      const at = (y * info.width + x) * info.channels;
      return [data[at] ?? 0, data[at + 1] ?? 0, data[at + 2] ?? 0];
    },
  };
}

export const colourDistance = (a: Rgb, b: Rgb): number =>
  Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
