/** The items with the one at index `from` taken out and put back at index `to`. */
export function moved<T>(items: readonly T[], from: number, to: number): T[] {
  const rest = items.filter((_, i) => i !== from);
  rest.splice(to, 0, items[from] as T);
  return rest;
}

/**
 * Where a tile dragged from index `from` lands when dropped before (or after) the tile
 * at index `target`: taking it out first shifts the later ones back by one.
 */
export function dropIndex(from: number, target: number, after: boolean): number {
  const slot = after ? target + 1 : target;
  return from < slot ? slot - 1 : slot;
}
