/**
 * Recent builds' tiles (raw RGB), kept in memory up to a byte budget, the least
 * recently used dropped first. Renditions spare a repeat build the originals' decode,
 * but not sharp's fixed cost per image (a 411x256 rendition still costs 2-4 ms of CPU
 * to decode, crop and resize here, against 0.9 ms for djpeg): the tiles themselves let a
 * repeat build at the same tile sizes (another order, format or columns, one more photo)
 * copy instead of decoding. A stored image's key is never reused for other bytes, so a
 * tile kept under its key and size never goes stale; a deleted image's tiles stay until
 * they are dropped, and are never used again.
 */
export class TileCache {
  private readonly tiles = new Map<string, Buffer>();
  private kept = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes kept now. */
  get bytes(): number {
    return this.kept;
  }

  /**
   * Whether a build whose tiles take `tileBytes` in all can keep them all. A build that
   * cannot would only evict its own first tiles before its next run needs them.
   */
  holds(tileBytes: number): boolean {
    return tileBytes <= this.maxBytes && this.maxBytes > 0;
  }

  /** Whether it keeps the tile, leaving it as recently used as it was (an estimate asks). */
  has(key: string): boolean {
    return this.tiles.has(key);
  }

  get(key: string): Buffer | undefined {
    const tile = this.tiles.get(key);
    if (tile) {
      this.tiles.delete(key); // a Map iterates in insertion order: re-inserting marks it used
      this.tiles.set(key, tile);
    }
    return tile;
  }

  set(key: string, tile: Buffer): void {
    if (tile.length > this.maxBytes) return;
    this.forget(key);
    this.tiles.set(key, tile);
    this.kept += tile.length;
    for (const [oldest, dropped] of this.tiles) {
      if (this.kept <= this.maxBytes) break;
      this.tiles.delete(oldest);
      this.kept -= dropped.length;
    }
  }

  private forget(key: string) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    this.tiles.delete(key);
    this.kept -= tile.length;
  }
}
