import { gridArrangement } from '../../src/client/grid-looks.js';
import {
  DEFAULT_CROP,
  justifiedWidthProblem,
  type Labels,
  type Layout,
} from '../../src/core/grid-options.js';
import { type Box, defaultWidth, gridLayout, placeTiles } from '../../src/core/layout.js';
import type { GridImage } from './api.js';
import { byId } from './dom.js';

/** The preview's longest side on screen, in CSS pixels. */
const PREVIEW_PX = 360;
/** Thumbnails drawn at most: beyond, tiles are grey boxes (a preview, not the grid). */
const MOST_PICTURES = 400;

/**
 * A live sketch of the grid the options make, drawn in the browser from the listing's
 * preview images as the options change: no request to the server, no build. Each
 * thumbnail is cut around its middle; a smart crop shows only in the built grid.
 */
export class LayoutPreview {
  private readonly form = byId<HTMLFormElement>('build-form');
  private readonly canvas = byId<HTMLCanvasElement>('layout-preview');
  private readonly caption = byId('layout-preview-caption');
  private images: readonly GridImage[] = [];
  private readonly pictures = new Map<string, HTMLImageElement>();
  private frame = 0;

  constructor() {
    this.form.addEventListener('input', () => this.drawSoon());
    this.form.addEventListener('change', () => this.drawSoon());
  }

  /** The grid's images in order (none: no preview). */
  setListing(images: readonly GridImage[] | undefined): void {
    this.images = images ?? [];
    this.drawSoon();
  }

  /** One draw per frame, however many inputs and thumbnails arrive in it. */
  private drawSoon(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    const options = this.options();
    const count = this.images.length;
    this.canvas.hidden = count === 0 || options === undefined;
    if (count === 0) {
      this.caption.textContent = 'The preview shows once the grid has images.';
      return;
    }
    if (!options) {
      this.caption.textContent = 'Correct the options above to see the preview.';
      return;
    }
    const { tileSize, gap, background, layout } = options;
    const columns = options.columns ?? gridLayout(count).columns;
    // The same placement a build makes, from the images' sizes (upright, as listed).
    const aspects = this.images.map((image) => image.width / image.height);
    const width =
      options.width ?? defaultWidth(aspects, { tileSize, gap, columns: options.columns });
    if (layout === 'justified' && justifiedWidthProblem(width, gap)) {
      this.canvas.hidden = true;
      this.caption.textContent = 'Correct the options above to see the preview.';
      return;
    }
    const { labels } = options;
    const placement = placeTiles(aspects, { layout, tileSize, columns, gap, width, labels });
    const scale = Math.min(1, PREVIEW_PX / Math.max(placement.width, placement.height));
    this.canvas.width = Math.max(1, Math.round(placement.width * scale));
    this.canvas.height = Math.max(1, Math.round(placement.height * scale));
    this.canvas.dataset.width = String(placement.width);
    this.canvas.dataset.height = String(placement.height);
    const arrangement = gridArrangement({ ...placement, layout, tile_size: tileSize }, ' × ');
    const size = `${placement.width} × ${placement.height} px`;
    this.canvas.setAttribute('aria-label', `Preview: ${arrangement}, ${size}`);
    const context = this.canvas.getContext('2d');
    if (!context) return;
    context.fillStyle = background;
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    let drawn = 0;
    for (const [index, image] of this.images.entries()) {
      const { left, top, width: w, height: h } = placement.boxes[index] as Box;
      const box = [left * scale, top * scale, w * scale, h * scale] as const;
      const picture = index < MOST_PICTURES ? this.picture(image) : undefined;
      if (picture?.complete && picture.naturalWidth > 0) {
        drawCovering(context, picture, ...box);
        drawn++;
      } else {
        context.fillStyle = '#8a8a8a';
        context.fillRect(...box);
      }
      const band = (placement.labelHeight ?? 0) * scale;
      if (band >= 6 && image.name) {
        drawName(context, image.name, [box[0], box[1] + box[3], box[2], band], background);
      }
    }
    this.canvas.dataset.drawn = String(drawn);
    const smart = byId<HTMLSelectElement>('crop').value !== DEFAULT_CROP;
    this.caption.textContent = `The grid will be ${size}: ${arrangement}.${smart ? ' The preview cuts each photo around its middle; the built grid uses the crop chosen.' : ''}`;
  }

  /** The image's thumbnail, loading once (the browser has it from the list's). */
  private picture(image: GridImage): HTMLImageElement {
    let picture = this.pictures.get(image.image_id);
    if (!picture) {
      picture = new Image();
      picture.decoding = 'async';
      picture.addEventListener('load', () => this.drawSoon(), { once: true });
      picture.src = image.preview_url;
      this.pictures.set(image.image_id, picture);
    }
    return picture;
  }

  /** The form's values as a build would send them, or undefined while one is wrong. */
  private options() {
    const number = (id: string, fallback: number | undefined) => {
      const input = byId<HTMLInputElement>(id);
      const text = input.value.trim();
      if (text === '') return fallback;
      const value = Number(text);
      const valid =
        Number.isInteger(value) && value >= Number(input.min) && value <= Number(input.max);
      return valid ? value : Number.NaN;
    };
    const layout = byId<HTMLSelectElement>('layout').value as Layout;
    const tileSize = number('tile-size', Number.NaN);
    const columns = number('columns', undefined);
    const gap = number('gap', 0);
    const width = layout === 'justified' ? number('width', undefined) : undefined;
    const values = [tileSize, columns ?? 1, gap, width ?? 1];
    if (values.some((value) => Number.isNaN(value))) return undefined;
    return {
      layout,
      tileSize: tileSize as number,
      columns,
      gap: gap as number,
      width,
      background: byId<HTMLInputElement>('background').value,
      labels: byId<HTMLSelectElement>('labels').value as Labels,
    };
  }
}

/** Draws `picture` covering the box around its middle, as the center crop cuts a tile. */
function drawCovering(
  context: CanvasRenderingContext2D,
  picture: HTMLImageElement,
  left: number,
  top: number,
  width: number,
  height: number,
) {
  const { naturalWidth: w, naturalHeight: h } = picture;
  const scale = Math.max(width / w, height / h);
  const [sw, sh] = [width / scale, height / scale];
  context.drawImage(picture, (w - sw) / 2, (h - sh) / 2, sw, sh, left, top, width, height);
}

/** A name in its band, as the build writes it: centred, dark on light, light on dark. */
function drawName(
  context: CanvasRenderingContext2D,
  name: string,
  [left, top, width, height]: readonly [number, number, number, number],
  background: string,
) {
  const light = Number.parseInt(background.slice(1, 3), 16) > 140;
  context.save();
  context.beginPath();
  context.rect(left, top, width, height);
  context.clip();
  context.fillStyle = light ? '#222222' : '#eeeeee';
  context.font = `${Math.round(height / 1.6)}px sans-serif`;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillText(name, left + width / 2, top + height / 2, width);
  context.restore();
}
