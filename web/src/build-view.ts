import { gridArrangement, gridLooks } from '../../src/client/grid-looks.js';
import type { BuildOptions, GridBuilderApi, GridBuilt, GridImage } from './api.js';
import { announce, byId, showError } from './dom.js';
import { formatBytes, formatClock, formatRemaining, plural } from './format.js';
import { type GridOrder, StaleMark } from './stale-mark.js';

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

/** What a build waits for and reads before it is sent (main.ts wires uploads and gallery). */
export interface BuildInputs {
  /** Uploads of the open grid not finished yet. */
  pendingUploads(): number;
  /** Resolves once no upload of the open grid is pending. */
  uploadsSettled(): Promise<void>;
  /** Lists the grid afresh; the listing (or a newer one) arrives through setListing(). */
  refreshListing(): void;
}

/** Where a build is: each busy phase says in the Build button what it waits for. */
type Phase = 'idle' | 'uploads' | 'key' | 'building';

/** The options form, "Build grid" with its spinner, and the built image with its actions. */
export class BuildView {
  private readonly form = byId<HTMLFormElement>('build-form');
  private readonly button = byId<HTMLButtonElement>('build');
  private readonly buildNow = byId<HTMLButtonElement>('build-now');
  private readonly error = byId('build-error');
  private readonly result = byId('result');
  private readonly image = byId<HTMLImageElement>('result-image');
  private readonly facts = byId('result-facts');
  private readonly download = byId<HTMLAnchorElement>('download');
  private readonly copy = byId<HTMLButtonElement>('copy-link');
  private readonly link = byId<HTMLInputElement>('result-link');
  private readonly expiry = byId('result-expiry');
  private readonly reason = byId('build-reason');
  private readonly progressRow = byId('build-progress-row');
  private readonly progress = byId<HTMLProgressElement>('build-progress');
  private readonly tileSize = numberField(
    'tile-size',
    (min, max) => `Tile size must be a whole number from ${min} to ${max}.`,
  );
  private readonly columns = numberField(
    'columns',
    (min, max) =>
      `Columns must be a whole number from ${min} to ${max}, or empty for about square.`,
  );
  private readonly gap = numberField(
    'gap',
    (min, max) => `Gap must be a whole number of pixels from ${min} to ${max}.`,
  );
  private readonly layout = byId<HTMLSelectElement>('layout');
  /** Justified rows only: disabled for the grid, so it is neither checked nor sent. */
  private readonly width = numberField(
    'width',
    (min, max) => `Width must be a whole number of pixels from ${min} to ${max}, or empty.`,
  );
  private readonly stale = new StaleMark();
  private phase: Phase = 'idle';
  /** The grid's images in order, from the last listing; undefined while unknown. */
  private listing: GridOrder | undefined;
  /** Images the server accepted since that listing: the grid has more than it says. */
  private addedSinceListing = 0;
  /** Those waiting for the next listing. */
  private listingWaiters: Array<() => void> = [];
  /** False once "Build now" was chosen: the build goes with the images stored. */
  private waitForUploads = true;
  /** Resolves when "Build now" is chosen, ending the current wait. */
  private skipped: Promise<void> = Promise.resolve();
  private skip: () => void = () => {};
  private blobUrl: string | undefined;
  private expiryTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly api: GridBuilderApi,
    private readonly currentGridId: () => string | undefined,
    private readonly inputs: BuildInputs,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      // The stale note's "Build again" submits too, and is not disabled while busy.
      if (this.phase === 'idle') void this.build();
    });
    this.buildNow.addEventListener('click', () => {
      this.waitForUploads = false;
      this.skip();
    });
    this.copy.addEventListener('click', () => void this.copyLink());
    this.layout.addEventListener('change', () => {
      this.width.input.disabled = this.layout.value !== 'justified';
      if (this.width.input.disabled) this.check(this.width, true); // clears its mark
    });
  }

  /** Hides the last result (another grid was opened). */
  clear(): void {
    this.result.hidden = true;
    this.progressRow.hidden = true;
    this.stale.clear();
    showError(this.error, undefined);
    clearInterval(this.expiryTimer);
    if (this.blobUrl) URL.revokeObjectURL(this.blobUrl);
    this.blobUrl = undefined;
  }

  /** The grid's images in order (undefined: not known), after each listing. */
  setListing(images: readonly GridImage[] | undefined): void {
    this.listing = images?.map((image) => image.image_id);
    this.addedSinceListing = 0;
    for (const resolve of this.listingWaiters.splice(0)) resolve();
    if (this.listing && !this.result.hidden) this.stale.seen(this.listing);
    this.reason.textContent = this.currentGridId()
      ? 'Add photos first: this grid has no images.'
      : 'Open a grid first: see "Your grid" above.';
    this.updateButton();
  }

  /**
   * An upload was stored: Build stays enabled until the listing that shows it arrives,
   * instead of saying "no images" between the two.
   */
  imageAdded(): void {
    this.addedSinceListing += 1;
    this.updateButton();
  }

  /** The number of pending uploads changed: the button's state and words follow. */
  uploadsChanged(): void {
    this.updateButton();
  }

  /** The form's options, or undefined after marking and focusing the first wrong field. */
  private options(): BuildOptions | undefined {
    const tileSize = this.check(this.tileSize, false);
    const columns = this.check(this.columns, true);
    const gap = this.check(this.gap, false);
    const justified = this.layout.value === 'justified';
    const width = justified ? this.check(this.width, true) : undefined;
    const wrong = [this.tileSize, this.columns, this.gap, this.width].find(
      (field) => field.input.getAttribute('aria-invalid') === 'true',
    );
    if (wrong) {
      wrong.input.focus();
      return undefined;
    }
    return {
      tileSize,
      columns,
      format: byId<HTMLSelectElement>('format').value,
      crop: byId<HTMLSelectElement>('crop').value,
      gap,
      background: byId<HTMLInputElement>('background').value,
      layout: this.layout.value,
      width,
      labels: byId<HTMLSelectElement>('labels').value,
    };
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
    showError(this.error, undefined);
    this.waitForUploads = true;
    this.skipped = new Promise((resolve) => {
      this.skip = resolve;
    });
    try {
      let builtFrom = await this.prepare();
      if (gridId !== this.currentGridId()) return; // another grid was opened meanwhile
      const built = await this.api.build(
        gridId,
        options,
        async (waiting) => {
          // Uploads held for the key too are released with it: they go first.
          if (waiting) this.setPhase('key');
          else builtFrom = await this.prepare();
        },
        (done, total) => {
          if (gridId === this.currentGridId()) this.showProgress(done, total);
        },
      );
      if (gridId !== this.currentGridId()) return;
      await this.show(gridId, built, builtFrom);
      announce(
        `Grid built: ${built.width} by ${built.height} pixels from ${plural(built.image_count, 'image')}.`,
      );
    } catch (error) {
      if (gridId === this.currentGridId()) showError(this.error, (error as Error).message);
    } finally {
      this.progressRow.hidden = true;
      this.setPhase('idle');
    }
  }

  /** A build the server runs in the background: its tiles placed so far, of all. */
  private showProgress(done: number, total: number): void {
    if (this.progressRow.hidden) {
      announce(`Building ${plural(total, 'tile')} on the server; progress shows below the form.`);
    }
    this.progress.max = Math.max(total, 1);
    this.progress.value = done;
    byId('build-progress-label').textContent = `Building: ${done} of ${plural(total, 'tile')}`;
    this.progressRow.hidden = false;
  }

  /**
   * Waits until no upload is pending, files added meanwhile included, unless "Build now"
   * is chosen; then lists the grid afresh. Resolves to that listing: the build is made
   * from it, and later listings that differ mark the result out of date. A listing that
   * waited for the API key is released with the uploads that waited too: they go first.
   */
  private async prepare(): Promise<GridOrder | undefined> {
    for (;;) {
      if (this.mustWait()) {
        this.setPhase('uploads');
        announce(
          `Waiting for ${plural(this.inputs.pendingUploads(), 'upload')} to finish, then building. Build now builds with the images stored.`,
        );
        while (this.mustWait()) await Promise.race([this.inputs.uploadsSettled(), this.skipped]);
      }
      this.setPhase('building');
      announce('Building the grid…');
      // The next listing, not the refresh's end: a refresh overtaken by a newer one (an
      // upload's) ends without a listing, and the newer one is at least as fresh.
      const listed = new Promise<void>((resolve) => this.listingWaiters.push(resolve));
      this.inputs.refreshListing();
      await listed;
      if (!this.mustWait()) return this.listing;
    }
  }

  private mustWait(): boolean {
    return this.waitForUploads && this.inputs.pendingUploads() > 0;
  }

  private setPhase(phase: Phase): void {
    this.phase = phase;
    this.button.setAttribute('aria-busy', String(phase !== 'idle'));
    this.updateButton();
  }

  /**
   * Build needs images: with none stored and none coming it is disabled and says why (a
   * build of an empty grid could only fail). An unknown count (loading, or a failed
   * listing) leaves it enabled, so a failed listing blocks nothing.
   */
  private updateButton(): void {
    const pending = this.inputs.pendingUploads();
    const count = this.listing?.length;
    const nothingToBuild = count === 0 && pending === 0 && this.addedSinceListing === 0;
    this.button.disabled = this.phase !== 'idle' || nothingToBuild;
    this.reason.hidden = !nothingToBuild;
    const labels: Record<Phase, string> = {
      idle: 'Build grid',
      uploads: `Waiting for ${plural(pending, 'upload')}…`,
      key: 'Waiting for the API key…',
      building: 'Building…',
    };
    byId('build-label').textContent = labels[this.phase];
    this.buildNow.hidden = this.phase !== 'uploads';
    this.buildNow.disabled = count === 0 && this.addedSinceListing === 0;
    this.buildNow.textContent =
      count === undefined ? 'Build now' : `Build now with ${plural(count, 'image')}`;
  }

  /** Shows the new result in place of the last one, which stays until the new one loaded. */
  private async show(gridId: string, built: GridBuilt, builtFrom: GridOrder | undefined) {
    const previousBlob = this.blobUrl;
    this.blobUrl = undefined;
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
    if (previousBlob) URL.revokeObjectURL(previousBlob);
    this.image.alt =
      built.layout === 'justified'
        ? `The built grid: ${plural(built.image_count, 'image')} in ${plural(built.rows, 'justified row')}`
        : `The built grid: ${plural(built.image_count, 'image')} in ${built.columns} columns and ${plural(built.rows, 'row')}`;
    this.image.width = built.width;
    this.image.height = built.height;
    const size = bytes === undefined ? '' : ` · ${formatBytes(bytes)}`;
    this.facts.textContent = `${built.width} × ${built.height} px${size} · ${gridArrangement(built, ' × ')}${gridLooks(
      built,
    )
      .map((words) => ` · ${words}`)
      .join('')} · ${built.format.toUpperCase()}`;
    this.download.href = source;
    this.download.download = `${gridId}.${EXTENSIONS[built.format] ?? built.format}`;
    this.link.value = built.presigned_url;
    clearInterval(this.expiryTimer);
    this.showExpiry(new Date(built.expires_at));
    this.result.hidden = false;
    // A build the grid changed under (its count is not the listing's) is out of date at once.
    this.stale.shown(builtFrom, builtFrom !== undefined && built.image_count !== builtFrom.length);
    if (this.listing) this.stale.seen(this.listing);
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
