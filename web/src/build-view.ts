import type { BuildOptions, GridBuilderApi, GridBuilt } from './api.js';
import { announce, byId, showError } from './dom.js';
import { formatBytes, formatClock, formatRemaining, plural } from './format.js';

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif' };

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
  private blobUrl: string | undefined;
  private expiryTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly api: GridBuilderApi,
    private readonly currentGridId: () => string,
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

  private options(): BuildOptions {
    const data = new FormData(this.form);
    const number = (name: string) => {
      const value = String(data.get(name) ?? '').trim();
      return value === '' ? undefined : Number(value);
    };
    return {
      tileSize: number('tileSize'),
      columns: number('columns'),
      format: String(data.get('format') ?? 'jpeg'),
    };
  }

  private async build(): Promise<void> {
    const gridId = this.currentGridId();
    this.setBusy(true);
    showError(this.error, undefined);
    announce('Building the grid…');
    try {
      const built = await this.api.build(gridId, this.options());
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
    this.button.disabled = busy;
    this.button.setAttribute('aria-busy', String(busy));
    byId('build-label').textContent = busy ? 'Building…' : 'Build grid';
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
