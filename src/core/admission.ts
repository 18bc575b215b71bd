import { GridBuilderError } from './errors.js';

export interface AdmissionLimits {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs allowed to wait for a slot; one more is turned away at once. */
  maxQueued: number;
  /** How long a job may wait for a slot before it is turned away. */
  queueTimeoutMs: number;
}

interface Waiter {
  start: () => void;
  /** None for a job that waits as long as it takes. */
  timer?: NodeJS.Timeout;
}

/**
 * Runs at most `concurrency` jobs at once, lets a bounded number wait a bounded time,
 * and turns the rest away with an `overloaded` error (503 + Retry-After at the HTTP
 * edge). Under a burst the server answers "busy, retry" instead of piling up work
 * until it runs out of memory. `what` names the work in the message ("grid builds").
 */
export class Admission {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly what: string,
    private readonly limits: AdmissionLimits,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once no job runs or waits (at once when none does). */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    return this.runAfter(this.acquire(false), job);
  }

  /**
   * Runs the job in its turn however long it waits, past `maxQueued` and
   * `queueTimeoutMs`: for work no client waits on (a background build), whose own
   * number is bounded where it is accepted.
   */
  async runPatiently<T>(job: () => Promise<T>): Promise<T> {
    return this.runAfter(this.acquire(true), job);
  }

  private async runAfter<T>(slot: Promise<void>, job: () => Promise<T>): Promise<T> {
    await slot;
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(patient: boolean): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (patient) return new Promise((resolve) => this.waiting.push({ start: resolve }));
    if (this.waiting.length >= this.limits.maxQueued) return Promise.reject(this.busy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(this.busy());
        }, this.limits.queueTimeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `running` stays the same.
    if (next) next.start();
    else this.running--;
    if (this.running === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private busy(): GridBuilderError {
    return new GridBuilderError(
      'overloaded',
      `The server is busy with other ${this.what}: try again in a few seconds.`,
    );
  }
}
