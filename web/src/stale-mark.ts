import { announce, byId } from './dom.js';

/** A grid's image ids in grid order: what a build was made from, or what a listing shows. */
export type GridOrder = readonly string[];

const sameOrder = (a: GridOrder, b: GridOrder) =>
  a.length === b.length && a.every((id, index) => id === b[index]);

/**
 * The "Out of date" mark on the shown result: the grid's images, or their order, are no
 * longer those the result was built from. In words over the dimmed image, not by colour.
 */
export class StaleMark {
  private readonly result = byId('result');
  /** What the shown result was built from; undefined: not known, so it stays as it is. */
  private builtFrom: GridOrder | undefined;
  private announced = false;

  /**
   * A new result, built from `builtFrom`. `changedMeanwhile`: the build did not use the
   * images of that listing (the grid changed while it was sent), so it is out of date
   * from the start, whatever later listings show.
   */
  shown(builtFrom: GridOrder | undefined, changedMeanwhile: boolean): void {
    this.announced = false;
    this.builtFrom = changedMeanwhile ? undefined : builtFrom;
    this.mark(changedMeanwhile);
  }

  /** No result shown (another grid, or a new build replaces it). */
  clear(): void {
    this.builtFrom = undefined;
    this.mark(false);
  }

  /** A listing of the grid: marks the result when it differs, unmarks when it matches again. */
  seen(order: GridOrder): void {
    if (this.builtFrom) this.mark(!sameOrder(this.builtFrom, order));
  }

  private mark(stale: boolean): void {
    byId('result-stale').hidden = !stale;
    if (stale) this.result.dataset.stale = 'true';
    else delete this.result.dataset.stale;
    if (stale && !this.announced && !this.result.hidden) {
      this.announced = true;
      announce('The built grid is out of date: the grid changed since it was built. Build again.');
    }
  }
}
