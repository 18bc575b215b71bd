import sharp from 'sharp';

/** Where a label goes on the canvas: the band under its tile. */
export interface LabelBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The text's height in pixels for a band `bandHeight` high: room above and below. */
export const fontPixels = (bandHeight: number) => Math.max(1, Math.round(bandHeight / 1.6));

const ELLIPSIS = '…';

/** Pango reads the text as markup: a name with `<` or `&` must stay text. */
const escapeMarkup = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Mask {
  data: Buffer;
  width: number;
  height: number;
}

/** The text drawn by libvips (Pango) in a sans font, one line: coverage 0-255 a pixel. */
async function textMask(text: string, pixels: number): Promise<Mask> {
  const { data, info } = await sharp({
    text: { text: escapeMarkup(text), font: `sans ${pixels}px`, dpi: 72, wrap: 'none' },
  })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * `name` as one line at most `maxWidth` pixels wide: whole when it fits, else cut in
 * the middle with an ellipsis, as file managers do, so that the start and the
 * extension stay readable (`IMG_20240…0412.jpg`).
 */
export async function fittedText(name: string, pixels: number, maxWidth: number): Promise<Mask> {
  const whole = await textMask(name, pixels);
  if (whole.width <= maxWidth) return whole;
  const characters = [...name];
  // Keep about the share of characters that fits, then drop one at a time until it does.
  let keep = Math.floor((characters.length * maxWidth) / whole.width);
  for (; keep > 0; keep--) {
    const head = characters.slice(0, Math.ceil(keep / 2)).join('');
    const tail = characters.slice(characters.length - Math.floor(keep / 2)).join('');
    const mask = await textMask(`${head}${ELLIPSIS}${tail}`, pixels);
    if (mask.width <= maxWidth) return mask;
  }
  const ellipsis = await textMask(ELLIPSIS, pixels);
  return ellipsis.width <= maxWidth ? ellipsis : { data: Buffer.alloc(0), width: 0, height: 0 };
}

/**
 * Draws `name` centred in `box` of a raw RGB canvas, in `ink` over what is there,
 * blended by the text's coverage (anti-aliased edges), cut to fit the box.
 */
export async function drawLabel(
  canvas: Buffer,
  canvasWidth: number,
  box: LabelBox,
  name: string,
  ink: readonly [number, number, number],
): Promise<void> {
  if (name === '' || box.width < 1 || box.height < 1) return;
  const mask = await fittedText(name, fontPixels(box.height), box.width);
  const left = box.left + Math.floor((box.width - mask.width) / 2);
  const top = box.top + Math.max(0, Math.floor((box.height - mask.height) / 2));
  const rows = Math.min(mask.height, box.top + box.height - top);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < mask.width; x++) {
      const cover = mask.data[y * mask.width + x] as number;
      if (cover === 0) continue;
      const at = ((top + y) * canvasWidth + left + x) * 3;
      for (let c = 0; c < 3; c++) {
        const under = canvas[at + c] as number;
        canvas[at + c] = Math.round(under + ((ink[c] as number) - under) * (cover / 255));
      }
    }
  }
}

/** Dark ink on a light background, light ink on a dark one (`#rrggbb`). */
export function inkFor(background: string): [number, number, number] {
  const [r, g, b] = [1, 3, 5].map((at) => Number.parseInt(background.slice(at, at + 2), 16));
  // Relative luminance, roughly (Rec. 709 weights on the encoded values).
  const light = 0.2126 * (r as number) + 0.7152 * (g as number) + 0.0722 * (b as number) > 140;
  return light ? [34, 34, 34] : [238, 238, 238];
}
