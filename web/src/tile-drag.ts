import { dropIndex } from './tile-order.js';

/** What a tile drag carries: only this page's own tiles are reordered by a drop. */
const TILE_TYPE = 'application/x-gridbuilder-tile';

/** Classes of the tile under the pointer: the landing bar goes before or after it. */
const DROP_MARKS = ['drop-before', 'drop-after'];

/**
 * HTML5 drag and drop of the list's tiles (its <li>s, draggable): a bar shows where the
 * tile would land (before a tile when over its left half, after it over its right half,
 * as the list flows left to right), and a drop calls `onMove(from, to)` with indexes.
 * Files dragged in are not tiles: they go on to the page's own drop handler.
 */
export function dragTiles(list: HTMLElement, onMove: (from: number, to: number) => void): void {
  let from: number | undefined;
  const tiles = () => Array.from(list.children) as HTMLElement[];
  const tileOf = (event: DragEvent) => {
    const tile = (event.target as Element).closest('li');
    return tile?.parentElement === list ? tile : undefined;
  };
  const isTileDrag = (event: DragEvent) =>
    from !== undefined && Boolean(event.dataTransfer?.types.includes(TILE_TYPE));
  const after = (event: DragEvent, tile: HTMLElement) => {
    const box = tile.getBoundingClientRect();
    return event.clientX > box.left + box.width / 2;
  };
  const unmark = (keep?: HTMLElement) => {
    for (const tile of tiles()) {
      if (tile !== keep) tile.classList.remove(...DROP_MARKS);
    }
  };
  const end = () => {
    from = undefined;
    for (const tile of tiles()) tile.classList.remove('dragged', ...DROP_MARKS);
  };

  list.addEventListener('dragstart', (event) => {
    const tile = tileOf(event);
    if (!tile || !event.dataTransfer) return;
    from = tiles().indexOf(tile);
    event.dataTransfer.setData(TILE_TYPE, tile.dataset.imageId ?? '');
    event.dataTransfer.effectAllowed = 'move';
    tile.classList.add('dragged');
  });
  list.addEventListener('dragover', (event) => {
    const tile = tileOf(event);
    if (!tile || !isTileDrag(event)) return;
    event.preventDefault();
    (event.dataTransfer as DataTransfer).dropEffect = 'move';
    unmark(tile);
    const isAfter = after(event, tile);
    tile.classList.toggle('drop-after', isAfter);
    tile.classList.toggle('drop-before', !isAfter);
  });
  list.addEventListener('dragleave', (event) => {
    if (!list.contains(event.relatedTarget as Node | null)) unmark();
  });
  list.addEventListener('drop', (event) => {
    const tile = tileOf(event);
    if (!tile || !isTileDrag(event)) return;
    event.preventDefault();
    const start = from as number;
    const to = dropIndex(start, tiles().indexOf(tile), after(event, tile));
    // Ended here: the move re-renders the list, and a removed tile's dragend is not heard.
    end();
    if (to !== start) onMove(start, to);
  });
  list.addEventListener('dragend', end);
}
