/**
 * The last build's canvas, kept for the next build of its size or smaller. A new canvas
 * is fresh memory from the kernel, and its first write to each page is a page fault:
 * on this Firecracker VM (Lambda runs on Firecracker too) allocating and filling the
 * 30 MB canvas of 1000 @ 100 took 130-170 ms, a third of a build from cached tiles; a
 * kept one is painted in a few. One build holds it at a time; a canvas bigger than
 * the budget is not kept.
 */
export class SpareCanvas {
  private spare: Buffer | undefined;

  constructor(private readonly maxBytes: number) {}

  /**
   * A canvas of `bytes` filled with `paint` repeated (zeros when not given): the spare
   * when it is big enough, else a new one.
   */
  take(bytes: number, paint?: Buffer): Buffer {
    const spare = this.spare;
    if (!spare || spare.length < bytes) return Buffer.alloc(bytes, paint);
    this.spare = undefined;
    return spare.subarray(0, bytes).fill(paint ?? 0);
  }

  /** Keeps the canvas (all of its memory) for the next build, unless it is over budget. */
  give(canvas: Buffer): void {
    const whole = Buffer.from(canvas.buffer, 0, canvas.buffer.byteLength);
    if (whole.length <= this.maxBytes && whole.length >= (this.spare?.length ?? 0)) {
      this.spare = whole;
    }
  }
}
