import pLimit from 'p-limit';
import { monotonicFactory } from 'ulid';
import type { GridBuilderApi, Placement } from './api.js';
import { announce, byId, make } from './dom.js';
import { formatBytes, plural } from './format.js';

/** Uploads running at once: enough to keep the line busy (their order is kept anyway). */
const PARALLEL_UPLOADS = 3;

/** Monotonic: two batches started in the same millisecond still sort in the order made. */
const newBatchId = monotonicFactory();

interface UploadRow {
  item: HTMLLIElement;
  progress: HTMLProgressElement;
  state: HTMLElement;
}

/** The upload list: one row a file with thumbnail, progress bar and result. */
export class Uploads {
  private readonly limit = pLimit(PARALLEL_UPLOADS);
  private readonly list = byId<HTMLUListElement>('upload-list');
  private readonly summary = byId('upload-summary');
  private counts = { total: 0, done: 0, failed: 0 };
  /** Counts up at each clear(), so uploads of a grid left behind no longer count. */
  private generation = 0;
  /** Those waiting in settled(), told when nothing is left to upload. */
  private settledWaiters: Array<() => void> = [];

  constructor(
    private readonly api: GridBuilderApi,
    private readonly currentGridId: () => string | undefined,
    /** Called after each image the server accepted. */
    private readonly onAdded: () => void,
    /** Called instead of uploading when no valid grid is open. */
    private readonly onNoGrid: () => void,
    /** Called whenever the number of pending uploads may have changed. */
    private readonly onPendingChange: () => void,
  ) {}

  /** Uploads of the open grid queued, running or waiting for the API key. */
  get pending(): number {
    const { total, done, failed } = this.counts;
    return total - done - failed;
  }

  /**
   * Resolves once no upload of the open grid is pending (failed ones count as finished),
   * including files added while waiting; at once when none is.
   */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /**
   * Empties the list and the summary: another grid was opened, and these rows and counts
   * were the previous grid's. Uploads in flight carry on to that grid, unlisted.
   */
  clear(): void {
    this.generation += 1;
    this.counts = { total: 0, done: 0, failed: 0 };
    this.list.replaceChildren();
    this.countsChanged();
  }

  /** Queues files for the current grid; the grid id is fixed per file when it is queued. */
  add(files: File[]): void {
    if (files.length === 0) return;
    const gridId = this.currentGridId();
    if (!gridId) {
      this.onNoGrid();
      return;
    }
    this.counts.total += files.length;
    this.countsChanged();
    announce(`Uploading ${plural(files.length, 'file')} to ${gridId}.`);
    // The newest batch goes on top, its files in the order chosen; in the grid they take
    // that order too, whichever upload arrives first (one batch id, each file its index).
    const rows = document.createDocumentFragment();
    const batch = newBatchId();
    for (const [index, file] of files.entries()) {
      const row = this.row(file);
      rows.append(row.item);
      const generation = this.generation;
      void this.limit(() => this.upload(gridId, file, { batch, index }, row, generation));
    }
    this.list.prepend(rows);
  }

  private async upload(
    gridId: string,
    file: File,
    placement: Placement,
    row: UploadRow,
    generation: number,
  ): Promise<void> {
    row.item.dataset.state = 'uploading';
    row.state.textContent = 'Uploading…';
    try {
      const saved = await this.api.upload(
        gridId,
        file,
        placement,
        (loaded, total) => {
          row.progress.max = total || 1;
          row.progress.value = loaded;
          if (total && loaded >= total) row.state.textContent = 'Checking…';
        },
        (waiting) => {
          // The refused attempt's bytes count for nothing: the retry sends them again.
          row.progress.value = 0;
          row.item.dataset.state = waiting ? 'waiting' : 'uploading';
          row.state.textContent = waiting
            ? 'Waiting for the API key (see Settings)…'
            : 'Uploading…';
        },
      );
      row.progress.max = 1;
      row.progress.value = 1;
      row.item.dataset.state = 'done';
      row.state.textContent = `Added · ${saved.width}×${saved.height} ${saved.format.toUpperCase()}`;
      if (generation !== this.generation) return; // its grid was left: its row is gone
      this.counts.done += 1;
      this.onAdded();
    } catch (error) {
      row.item.dataset.state = 'error';
      row.state.textContent = error instanceof Error ? error.message : String(error);
      row.state.setAttribute('role', 'alert');
      row.progress.hidden = true;
      if (generation !== this.generation) return;
      this.counts.failed += 1;
    }
    this.countsChanged();
    if (this.counts.done + this.counts.failed === this.counts.total) {
      announce(this.summary.textContent ?? '');
    }
  }

  private row(file: File): UploadRow {
    const thumb = file.type.startsWith('image/') ? thumbnailOf(file) : placeholder();
    const progress = make('progress', { max: 1, value: 0 });
    progress.setAttribute('aria-label', `Upload of ${file.name}`);
    const state = make('span', { className: 'upload-state', textContent: 'Waiting…' });
    const item = make(
      'li',
      { className: 'upload-item' },
      thumb,
      make(
        'div',
        { className: 'upload-body' },
        make(
          'p',
          { className: 'upload-name' },
          make('span', { className: 'name', textContent: file.name, title: file.name }),
          make('span', { className: 'size', textContent: formatBytes(file.size) }),
        ),
        progress,
        state,
      ),
    );
    item.dataset.state = 'queued';
    return { item, progress, state };
  }

  private countsChanged(): void {
    this.updateSummary();
    if (this.pending === 0) {
      const waiters = this.settledWaiters;
      this.settledWaiters = [];
      for (const resolve of waiters) resolve();
    }
    this.onPendingChange();
  }

  private updateSummary(): void {
    const { total, done, failed } = this.counts;
    const pending = this.pending;
    const parts = [`${done} of ${plural(total, 'file')} added`];
    if (failed) parts.push(`${failed} failed`);
    if (pending) parts.push(`${pending} to go`);
    this.summary.textContent = parts.join(' · ');
    this.summary.hidden = total === 0;
  }
}

function thumbnailOf(file: File): HTMLElement {
  const url = URL.createObjectURL(file);
  const img = make('img', {
    className: 'thumb',
    src: url,
    alt: `Preview of ${file.name}`,
    // Hundreds of photos at once: decode only the previews scrolled into view.
    loading: 'lazy',
    decoding: 'async',
  });
  img.width = 56;
  img.height = 56;
  img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
  img.addEventListener('error', () => img.replaceWith(placeholder()), { once: true });
  return img;
}

function placeholder(): HTMLElement {
  return make('span', { className: 'thumb placeholder', title: 'No preview' });
}
