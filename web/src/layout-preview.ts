import { DEFAULT_CROP } from '../../src/core/grid-options.js';
import { gridLayout, gridSize, tileOrigin } from '../../src/core/layout.js';
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
    const { tileSize, gap, background } = options;
    const layout = gridLayout(count, options.columns);
    const { width, height } = gridSize(layout, tileSize, gap);
    const scale = Math.min(1, PREVIEW_PX / Math.max(width, height));
    this.canvas.width = Math.max(1, Math.round(width * scale));
    this.canvas.height = Math.max(1, Math.round(height * scale));
    this.canvas.dataset.width = String(width);
    this.canvas.dataset.height = String(height);
    this.canvas.setAttribute(
      'aria-label',
      `Preview: ${layout.columns} × ${layout.rows} tiles, ${width} × ${height} px`,
    );
    const context = this.canvas.getContext('2d');
    if (!context) return;
    context.fillStyle = background;
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    let drawn = 0;
    for (const [index, image] of this.images.entries()) {
      const { left, top } = tileOrigin(index, layout.columns, tileSize, gap);
      const box = [left * scale, top * scale, tileSize * scale, tileSize * scale] as const;
      const picture = index < MOST_PICTURES ? this.picture(image) : undefined;
      if (picture?.complete && picture.naturalWidth > 0) {
        drawCentered(context, picture, ...box);
        drawn++;
      } else {
        context.fillStyle = '#8a8a8a';
        context.fillRect(...box);
      }
    }
    this.canvas.dataset.drawn = String(drawn);
    const smart = byId<HTMLSelectElement>('crop').value !== DEFAULT_CROP;
    this.caption.textContent = `The grid will be ${width} × ${height} px: ${layout.columns} × ${layout.rows} tiles.${smart ? ' The preview cuts each photo around its middle; the built grid uses the crop chosen.' : ''}`;
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
    const tileSize = number('tile-size', Number.NaN);
    const columns = number('columns', undefined);
    const gap = number('gap', 0);
    const values = [tileSize, columns ?? 1, gap];
    if (values.some((value) => Number.isNaN(value))) return undefined;
    return {
      tileSize: tileSize as number,
      columns,
      gap: gap as number,
      background: byId<HTMLInputElement>('background').value,
    };
  }
}

/** Draws the middle square of `picture` into the box, as the center crop cuts a tile. */
function drawCentered(
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
