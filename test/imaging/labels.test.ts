import { describe, expect, it } from 'vitest';
import { drawLabel, fittedText, inkFor } from '../../src/imaging/labels.js';

// One label: the name drawn by libvips (Pango), fitted to its band, blended onto a raw
// RGB canvas. Where labels go in a grid: grid-looks.test.ts.

const WHITE = 255;

function canvasOf(width: number, height: number) {
  return Buffer.alloc(width * height * 3, WHITE);
}

/** The pixels of the canvas that are no longer white, as [x, y]. */
function inked(canvas: Buffer, width: number): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  for (let at = 0; at < canvas.length; at += 3) {
    if (canvas[at] !== WHITE) found.push([(at / 3) % width, Math.floor(at / 3 / width)]);
  }
  return found;
}

describe('fittedText', () => {
  it('keeps a name that fits whole', async () => {
    const mask = await fittedText('beach.jpg', 14, 300);
    expect(mask.width).toBeGreaterThan(30);
    expect(mask.width).toBeLessThanOrEqual(300);
  });

  it('cuts a name too long in the middle, to fit and not much less', async () => {
    const name = 'IMG_20240412_183005_a_very_long_holiday_photo_name.jpg';
    const whole = await fittedText(name, 14, 10_000);
    const cut = await fittedText(name, 14, 120);
    expect(whole.width).toBeGreaterThan(120);
    expect(cut.width).toBeLessThanOrEqual(120);
    expect(cut.width).toBeGreaterThan(90);
  });

  it('draws markup characters as text, not as Pango markup', async () => {
    const plain = await fittedText('x', 14, 1000);
    const tagged = await fittedText('<b>x</b> & y', 14, 1000);
    expect(tagged.width).toBeGreaterThan(plain.width * 5);
  });
});

describe('drawLabel', () => {
  it('inks only inside its box, centred', async () => {
    const width = 300;
    const canvas = canvasOf(width, 60);
    const box = { left: 50, top: 20, width: 200, height: 24 };
    await drawLabel(canvas, width, box, 'beach.jpg', [0, 0, 0]);
    const pixels = inked(canvas, width);
    expect(pixels.length).toBeGreaterThan(50);
    const xs = pixels.map(([x]) => x);
    const ys = pixels.map(([, y]) => y);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(box.left);
    expect(Math.max(...xs)).toBeLessThan(box.left + box.width);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(box.top);
    expect(Math.max(...ys)).toBeLessThan(box.top + box.height);
    // Centred: about as much room on the left of the text as on its right.
    const [first, last] = [Math.min(...xs) - box.left, box.left + box.width - 1 - Math.max(...xs)];
    expect(Math.abs(first - last)).toBeLessThanOrEqual(3);
  });

  it('draws nothing for an image without a name', async () => {
    const canvas = canvasOf(100, 30);
    await drawLabel(canvas, 100, { left: 0, top: 0, width: 100, height: 30 }, '', [0, 0, 0]);
    expect(inked(canvas, 100)).toEqual([]);
  });
});

describe('inkFor', () => {
  it('writes dark on light backgrounds and light on dark ones', () => {
    expect(inkFor('#ffffff')).toEqual([34, 34, 34]);
    expect(inkFor('#f4efe6')).toEqual([34, 34, 34]);
    expect(inkFor('#000000')).toEqual([238, 238, 238]);
    expect(inkFor('#1a3d7c')).toEqual([238, 238, 238]);
  });
});
