/**
 * A byte budget shared by waiters in arrival order, so a large check is not passed over
 * forever by small ones. Asking for more than the whole budget waits for all of it.
 */
export class MemoryBudget {
  private available: number;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(private readonly capacity: number) {
    this.available = capacity;
  }

  async use<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    // An estimate that is not a number must not poison the count: it takes everything.
    const need =
      Number.isFinite(bytes) && bytes >= 0 ? Math.min(bytes, this.capacity) : this.capacity;
    if (this.waiting.length > 0 || need > this.available) {
      await new Promise<void>((start) => this.waiting.push({ bytes: need, start }));
    } else {
      this.available -= need;
    }
    try {
      return await work();
    } finally {
      this.available += need;
      this.startWaiting();
    }
  }

  private startWaiting() {
    for (let next = this.waiting[0]; next && next.bytes <= this.available; next = this.waiting[0]) {
      this.waiting.shift();
      this.available -= next.bytes;
      next.start();
    }
  }
}
