import type { RenditionRequests } from './ports.js';

/** Nothing queued; waiting for the foreground to leave room; making one image's renditions. */
export type RenditionWorkerState = 'idle' | 'waiting' | 'working';

export interface RenditionWorkerOptions {
  /** Makes one image's renditions (makeRenditions, which is idempotent). */
  make(key: string): Promise<unknown>;
  /** Resolves when uploads and builds leave room for background work. */
  room(): Promise<void>;
  /**
   * Keys that may wait; requests beyond are dropped, as a listing or build that meets
   * the image later asks again.
   */
  limit: number;
  /** Told of a failed image, which is not retried until it is asked for again. */
  onError(key: string, error: unknown): void;
}

/**
 * Makes renditions in the background of one process, one image at a time and only
 * when uploads and builds leave room, so it never competes with a request for long:
 * at worst one rendition is under way when a request arrives. The queue is a set, so an
 * image asked for by every listing waits once.
 */
export class RenditionWorker implements RenditionRequests {
  private readonly queue = new Set<string>();
  private running: Promise<void> | undefined;
  private stopped = false;
  private current: RenditionWorkerState = 'idle';
  private readonly stopping: Promise<void>;
  private signalStop!: () => void;

  constructor(private readonly options: RenditionWorkerOptions) {
    this.stopping = new Promise((resolve) => {
      this.signalStop = resolve;
    });
  }

  get state(): RenditionWorkerState {
    return this.current;
  }

  request(keys: readonly string[]): void {
    if (this.stopped) return;
    for (const key of keys) {
      if (this.queue.size >= this.options.limit) break;
      this.queue.add(key);
    }
    if (!this.running && this.queue.size > 0) this.running = this.run();
  }

  /** Resolves once the queue is empty and nothing is being made. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /**
   * Forgets the queue and lets the image under way finish (its renditions are then
   * recorded, not left for the sweep); the images forgotten are asked for again later.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    this.signalStop();
    await this.running;
  }

  private async run(): Promise<void> {
    for (let key = this.next(); key !== undefined; key = this.next()) {
      this.current = 'waiting';
      await Promise.race([this.options.room(), this.stopping]);
      if (this.stopped) break;
      this.current = 'working';
      try {
        await this.options.make(key);
      } catch (error) {
        this.options.onError(key, error);
      }
    }
    this.current = 'idle';
    // Here and not in a .finally: a request right after the last image starts a new run.
    this.running = undefined;
  }

  private next(): string | undefined {
    const [key] = this.queue;
    if (key !== undefined) this.queue.delete(key);
    return key;
  }
}
