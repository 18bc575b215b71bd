import type { BuildOptions, GridBuilderApi, GridBuilt } from './api.js';
import { announce, byId, showError } from './dom.js';
import { formatBytes, formatClock, formatRemaining, plural } from './format.js';

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif' };

/** A number field of the form, checked here so that a wrong value is never sent or dropped. */
interface NumberField {
  input: HTMLInputElement;
  error: HTMLElement;
  /** The API's range (src/core/grid-options.ts), as the input's min and max say it. */
  min: number;
  max: number;
  message: string;
}

function numberField(id: string, message: (min: number, max: number) => string): NumberField {
  const input = byId<HTMLInputElement>(id);
  const [min, max] = [Number(input.min), Number(input.max)];
  return { input, error: byId(`${id}-error`), min, max, message: message(min, max) };
}

/** The options form, "Build grid" with its spinner, and the built image with its actions. */
export class BuildView {
  private readonly form = byId<HTMLFormElement>('build-form');
  private readonly button = byId<HTMLButtonElement>('build');
  private readonly error = byId('build-error');
  private readonly result = byId('result');
  private readonly image = byId<HTMLImageElement>('result-image');
  private readonly facts = byId('result-facts');
  private readonly download = byId<HTMLAnchorElement>('download');
  private readonly copy = byId<HTMLButtonElement>('copy-link');
  private readonly link = byId<HTMLInputElement>('result-link');
  private readonly expiry = byId('result-expiry');
  private readonly reason = byId('build-reason');
  private readonly tileSize = numberField(
    'tile-size',
    (min, max) => `Tile size must be a whole number from ${min} to ${max}.`,
  );
  private readonly columns = numberField(
    'columns',
    (min, max) =>
      `Columns must be a whole number from ${min} to ${max}, or empty for about square.`,
  );
  private busy = false;
  /** The grid's image count; undefined while unknown (loading, or the listing failed). */
  private imageCount: number | undefined;
  private blobUrl: string | undefined;
  private expiryTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly api: GridBuilderApi,
    private readonly currentGridId: () => string | undefined,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.build();
    });
    this.copy.addEventListener('click', () => void this.copyLink());
  }

  /** Hides the last result (another grid was opened). */
  clear(): void {
    this.result.hidden = true;
    showError(this.error, undefined);
    clearInterval(this.expiryTimer);
    if (this.blobUrl) URL.revokeObjectURL(this.blobUrl);
    this.blobUrl = undefined;
  }

  /**
   * Build needs images: with none it is disabled and says why (a build of an empty grid
   * could only fail). Unknown counts leave it enabled, so a failed listing blocks nothing.
   */
  setImageCount(count: number | undefined): void {
    this.imageCount = count;
    this.reason.hidden = count !== 0;
    this.reason.textContent = this.currentGridId()
      ? 'Add photos first: this grid has no images.'
      : 'Open a grid first: see "Your grid" above.';
    this.updateButton();
  }

  /** The form's options, or undefined after marking and focusing the first wrong field. */
  private options(): BuildOptions | undefined {
    const tileSize = this.check(this.tileSize, false);
    const columns = this.check(this.columns, true);
    const wrong = [this.tileSize, this.columns].find(
      (field) => field.input.getAttribute('aria-invalid') === 'true',
    );
    if (wrong) {
      wrong.input.focus();
      return undefined;
    }
    return { tileSize, columns, format: byId<HTMLSelectElement>('format').value };
  }

  /**
   * The field's whole number, or undefined when empty and optional. A number input gives
   * "" for what it cannot parse ("3e"): validity.badInput tells that from an empty field.
   */
  private check(field: NumberField, optional: boolean): number | undefined {
    const text = field.input.value.trim();
    const value = Number(text);
    const empty = text === '' && !field.input.validity.badInput;
    const valid =
      (empty && optional) ||
      (!empty && Number.isInteger(value) && value >= field.min && value <= field.max);
    if (valid) field.input.removeAttribute('aria-invalid');
    else field.input.setAttribute('aria-invalid', 'true');
    showError(field.error, valid ? undefined : field.message);
    return valid && !empty ? value : undefined;
  }

  private async build(): Promise<void> {
    const gridId = this.currentGridId();
    const options = this.options();
    if (!gridId || !options) {
      showError(this.error, undefined); // the marked field says what is wrong
      return;
    }
    this.setBusy(true);
    showError(this.error, undefined);
    announce('Building the grid…');
    try {
      const built = await this.api.build(gridId, options);
      await this.show(gridId, built);
      announce(
        `Grid built: ${built.width} by ${built.height} pixels from ${plural(built.image_count, 'image')}.`,
      );
    } catch (error) {
      showError(this.error, (error as Error).message);
    } finally {
      this.setBusy(false);
    }
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.button.setAttribute('aria-busy', String(busy));
    byId('build-label').textContent = busy ? 'Building…' : 'Build grid';
    this.updateButton();
  }

  private updateButton(): void {
    this.button.disabled = this.busy || this.imageCount === 0;
  }

  private async show(gridId: string, built: GridBuilt): Promise<void> {
    this.clear();
    // Fetching the image gives its size in bytes and a same-origin blob to download
    // under a good file name; if the storage does not allow that (no CORS), link to it.
    let bytes: number | undefined;
    let source = built.presigned_url;
    try {
      const response = await fetch(built.presigned_url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const blob = await response.blob();
      bytes = blob.size;
      this.blobUrl = URL.createObjectURL(blob);
      source = this.blobUrl;
    } catch {
      bytes = undefined;
    }
    await new Promise<void>((resolve) => {
      this.image.onload = () => resolve();
      this.image.onerror = () => resolve();
      this.image.src = source;
    });
    this.image.alt = `The built grid: ${plural(built.image_count, 'image')} in ${built.columns} columns and ${plural(built.rows, 'row')}`;
    this.image.width = built.width;
    this.image.height = built.height;
    const size = bytes === undefined ? '' : ` · ${formatBytes(bytes)}`;
    this.facts.textContent = `${built.width} × ${built.height} px${size} · ${built.columns} × ${built.rows} tiles of ${built.tile_size} px · ${built.format.toUpperCase()}`;
    this.download.href = source;
    this.download.download = `${gridId}.${EXTENSIONS[built.format] ?? built.format}`;
    this.link.value = built.presigned_url;
    this.showExpiry(new Date(built.expires_at));
    this.result.hidden = false;
  }

  private showExpiry(expiresAt: Date): void {
    const update = () => {
      const left = expiresAt.getTime() - Date.now();
      this.expiry.textContent =
        left > 0
          ? `The link works until ${formatClock(expiresAt)} (${formatRemaining(left)}). Build again for a fresh one.`
          : 'The link has expired: build again for a fresh one. The download above still works.';
      if (left <= 0) clearInterval(this.expiryTimer);
    };
    update();
    this.expiryTimer = setInterval(update, 15_000);
  }

  private async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.link.value);
      this.copy.textContent = 'Copied';
      announce('Link copied to the clipboard.');
      setTimeout(() => {
        this.copy.textContent = 'Copy link';
      }, 2000);
    } catch {
      // No clipboard access (plain http, or permission refused): let the user copy it.
      this.link.focus();
      this.link.select();
      announce('Press Control C, or Command C, to copy the selected link.');
    }
  }
}
