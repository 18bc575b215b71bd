import { ApiError, type GridBuilderApi, type GridImage } from './api.js';
import { announce, byId, make, showError } from './dom.js';
import { formatBytes, plural } from './format.js';
import { dragTiles } from './tile-drag.js';
import { moved } from './tile-order.js';

/** Alt with these keys in a tile moves it (Alt+Left/Right would go back/forward in history). */
const MOVE_KEYS: Record<string, number> = { ArrowUp: -1, ArrowDown: 1 };

/**
 * The grid's images in the grid's order, with a count. Each can be removed, and moved by
 * dragging it or with its Move earlier / Move later buttons (or Alt+ArrowUp / Alt+ArrowDown
 * in the tile).
 */
export class Gallery {
  private readonly list = byId<HTMLOListElement>('image-list');
  private readonly count = byId('image-count');
  private readonly empty = byId('images-empty');
  private readonly hint = byId('images-hint');
  private readonly error = byId('images-error');
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private loading = 0;
  /** The grid and images shown, in the order shown. */
  private shown: { gridId: string; images: GridImage[] } = { gridId: '', images: [] };
  /** Counts moves, so a listing asked for before a move is not shown after it. */
  private moves = 0;
  /** Orders sent and not yet answered (the API client sends them one at a time, in order). */
  private unsaved = 0;
  /** Settles once the last order sent is answered. */
  private saving: Promise<unknown> = Promise.resolve();
  /** Why the first refused move since the last answer was refused. */
  private refusal: string | undefined;
  imageCount = 0;

  constructor(
    private readonly api: GridBuilderApi,
    private readonly currentGridId: () => string | undefined,
    /** Told the grid's images, in order, after each listing (undefined: not known). */
    private readonly onListing: (images: readonly GridImage[] | undefined) => void,
  ) {
    dragTiles(this.list, (from, to) => this.move(from, to));
  }

  /** Reloads soon; many uploads finishing together cause one request. */
  refreshSoon(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 250);
  }

  async refresh(): Promise<void> {
    const gridId = this.currentGridId();
    const ticket = ++this.loading;
    if (!gridId) {
      // No valid grid open (a bad id in the link): nothing to list, nothing to build.
      showError(this.error, undefined);
      this.render('', []);
      return;
    }
    try {
      await this.saving; // a listing must not predate an order being saved
      const moves = this.moves;
      const listing = await this.api.list(gridId);
      if (ticket !== this.loading || gridId !== this.currentGridId()) return; // a newer one runs
      if (moves !== this.moves) return this.refresh(); // moved meanwhile: list once that is saved
      showError(this.error, undefined);
      this.render(gridId, listing.images);
    } catch (error) {
      if (ticket !== this.loading) return;
      this.onListing(undefined);
      showError(this.error, `Could not load the grid's images: ${(error as Error).message}`);
    }
  }

  private render(gridId: string, images: GridImage[]): void {
    this.imageCount = images.length;
    this.onListing(images);
    this.count.textContent = String(images.length);
    this.count.setAttribute('aria-label', plural(images.length, 'image'));
    this.empty.hidden = images.length > 0;
    this.show(gridId, images);
  }

  /** Puts the images in the list; a control of the list that had the focus keeps it. */
  private show(gridId: string, images: GridImage[]): void {
    const same =
      gridId === this.shown.gridId &&
      images.length === this.shown.images.length &&
      images.every((image, i) => image === this.shown.images[i]);
    // Rebuilding the same list would reload its images and end a drag under way.
    if (same) return;
    this.shown = { gridId, images };
    this.hint.hidden = images.length < 2;
    const active = document.activeElement as HTMLElement | null;
    const focused = this.list.contains(active)
      ? { imageId: active?.closest('li')?.dataset.imageId, action: active?.dataset.action }
      : undefined;
    const items = images.map((image, index) => this.item(gridId, image, index + 1));
    this.list.replaceChildren(...items);
    if (!focused) return;
    const tile = items.find((item) => item.dataset.imageId === focused.imageId);
    const buttons = Array.from(tile?.querySelectorAll('button') ?? []);
    // At an end its move button is disabled: the focus goes to the tile's other one.
    const again = buttons.find((b) => b.dataset.action === focused.action && !b.disabled);
    (again ?? buttons.find((b) => !b.disabled))?.focus();
  }

  private item(gridId: string, image: GridImage, position: number): HTMLLIElement {
    const facts = `${image.width}×${image.height} ${image.format.toUpperCase()}, ${formatBytes(image.image_size)}`;
    // The name first: it is what people know their photos by (a screen reader's too).
    const description = image.name === null ? facts : `${image.name}, ${facts}`;
    const img = make('img', {
      src: image.preview_url,
      alt: `Image ${position}: ${description}`,
      loading: 'lazy',
      decoding: 'async',
      draggable: false, // the tile is dragged, not the picture's address
    });
    const remove = make('button', {
      type: 'button',
      className: 'remove',
      textContent: 'Remove',
    });
    remove.setAttribute('aria-label', `Remove image ${position} (${description})`);
    remove.dataset.action = 'remove';
    remove.addEventListener('click', () => void this.remove(gridId, image, position, remove));
    const index = position - 1;
    const tile = make(
      'li',
      { className: 'image-item', draggable: true },
      make('span', { className: 'position', textContent: String(position) }),
      img,
      ...(image.name === null
        ? []
        : [make('span', { className: 'image-name', textContent: image.name, title: image.name })]),
      make('span', { className: 'image-facts', textContent: facts }),
      make(
        'div',
        { className: 'tile-actions' },
        this.moveButton(position, 'earlier'),
        this.moveButton(position, 'later'),
        remove,
      ),
    );
    tile.dataset.imageId = image.image_id;
    tile.addEventListener('keydown', (event) => {
      const step = event.altKey ? MOVE_KEYS[event.key] : undefined;
      if (!step) return;
      event.preventDefault();
      this.move(index, index + step);
    });
    return tile;
  }

  private moveButton(position: number, action: 'earlier' | 'later'): HTMLButtonElement {
    const to = action === 'earlier' ? position - 1 : position + 1;
    const possible = to >= 1 && to <= this.shown.images.length;
    const button = make('button', {
      type: 'button',
      className: 'move',
      disabled: !possible,
      textContent: action === 'earlier' ? '◀' : '▶',
    });
    button.dataset.action = action;
    const label = possible
      ? `Move image ${position} ${action}, to position ${to}`
      : `Move image ${position} ${action} (it is ${action === 'earlier' ? 'first' : 'last'})`;
    button.setAttribute('aria-label', label);
    button.title = label;
    button.setAttribute(
      'aria-keyshortcuts',
      action === 'earlier' ? 'Alt+ArrowUp' : 'Alt+ArrowDown',
    );
    button.addEventListener('click', () => this.move(position - 1, to - 1));
    return button;
  }

  /**
   * Moves the image at index `from` to index `to`: shown at once, then saved. The server's
   * listing stays the truth: if it refuses the order, the list shows the grid as it is.
   */
  private move(from: number, to: number): void {
    const { gridId, images } = this.shown;
    if (to < 0 || to >= images.length || from === to) return;
    this.moves++;
    this.show(gridId, moved(images, from, to));
    announce(`Image ${from + 1} moved to position ${to + 1} of ${images.length}.`);
    this.unsaved++;
    const saved = this.api.setOrder(
      gridId,
      this.shown.images.map((image) => image.image_id),
    );
    this.saving = saved.catch(() => undefined);
    void saved.then(
      () => this.answered(gridId),
      (error: Error) => {
        this.refusal ??= `Could not move image ${from + 1}: ${refusalReason(error)}`;
        return this.answered(gridId);
      },
    );
  }

  /** Once the last order sent is answered: the saved order is told as a listing, or a refusal shown. */
  private async answered(gridId: string): Promise<void> {
    if (--this.unsaved > 0) return;
    const refusal = this.refusal;
    this.refusal = undefined;
    if (gridId !== this.currentGridId()) return;
    if (!refusal) {
      this.render(gridId, this.shown.images);
      return;
    }
    await this.refresh();
    showError(this.error, refusal);
  }

  private async remove(
    gridId: string,
    image: GridImage,
    position: number,
    button: HTMLButtonElement,
  ) {
    button.disabled = true;
    button.textContent = 'Removing…';
    try {
      await this.saving; // an order being saved names this image
      await this.api.remove(gridId, image.image_id);
      announce(`Removed image ${position}.`);
      await this.refresh();
      // Keep keyboard focus in the list: on the image that took its place, or the heading.
      const buttons = this.list.querySelectorAll<HTMLButtonElement>('button.remove');
      (buttons[Math.min(position - 1, buttons.length - 1)] ?? byId('images-heading')).focus();
    } catch (error) {
      button.disabled = false;
      button.textContent = 'Remove';
      showError(this.error, `Could not remove image ${position}: ${(error as Error).message}`);
    }
  }
}

/** A 400 to a full order means the grid's images are no longer the ones listed. */
const refusalReason = (error: Error) =>
  error instanceof ApiError && error.status === 400
    ? "the grid's images changed meanwhile (added or removed elsewhere). The list now shows the grid as it is: move again if needed."
    : error.message;
