import type { GridBuilderApi, GridImage } from './api.js';
import { announce, byId, make, showError } from './dom.js';
import { formatBytes, plural } from './format.js';

/** The grid's images in upload order, each removable, with a count. */
export class Gallery {
  private readonly list = byId<HTMLOListElement>('image-list');
  private readonly count = byId('image-count');
  private readonly empty = byId('images-empty');
  private readonly error = byId('images-error');
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private loading = 0;
  imageCount = 0;

  constructor(
    private readonly api: GridBuilderApi,
    private readonly currentGridId: () => string | undefined,
    /** Told the grid's images, in order, after each listing (undefined: not known). */
    private readonly onListing: (images: readonly GridImage[] | undefined) => void,
  ) {}

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
      const listing = await this.api.list(gridId);
      if (ticket !== this.loading || gridId !== this.currentGridId()) return; // a newer one runs
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
    this.list.replaceChildren(...images.map((image, index) => this.item(gridId, image, index + 1)));
  }

  private item(gridId: string, image: GridImage, position: number): HTMLLIElement {
    const description = `${image.width}×${image.height} ${image.format.toUpperCase()}, ${formatBytes(image.image_size)}`;
    const img = make('img', {
      src: image.preview_url,
      alt: `Image ${position}: ${description}`,
      loading: 'lazy',
      decoding: 'async',
    });
    const remove = make('button', {
      type: 'button',
      className: 'remove',
      textContent: 'Remove',
    });
    remove.setAttribute('aria-label', `Remove image ${position} (${description})`);
    remove.addEventListener('click', () => void this.remove(gridId, image, position, remove));
    return make(
      'li',
      { className: 'image-item' },
      make('span', { className: 'position', textContent: String(position) }),
      img,
      make('span', { className: 'image-facts', textContent: description }),
      remove,
    );
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
