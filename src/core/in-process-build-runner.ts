import { GridBuilderError } from './errors.js';
import type { BuildRunner } from './ports.js';

export interface InProcessBuildRunnerOptions {
  /** Runs one recorded build (GridService.runBuild); a throw asks for another run. */
  run(gridId: string, buildId: string): Promise<void>;
  /** Builds waiting or running at once; one more is refused as `overloaded`. */
  limit: number;
  /** Runs of one build at most, the first included (runBuild records a failure by the last). */
  attempts: number;
}

/**
 * The default BuildRunner: runs each build in this process, in the background, as a
 * Lambda worker would on AWS, retrying a throw the way Lambda retries an asynchronous
 * invocation. A build already under way is not started twice.
 */
export class InProcessBuildRunner implements BuildRunner {
  private readonly builds = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: InProcessBuildRunnerOptions) {}

  get active(): number {
    return this.builds.size;
  }

  async start(gridId: string, buildId: string): Promise<void> {
    const id = `${gridId}/${buildId}`;
    if (this.builds.has(id)) return;
    if (this.builds.size >= this.options.limit) {
      throw new GridBuilderError(
        'overloaded',
        `The server is busy with ${this.builds.size} other grid builds: try again in a minute.`,
      );
    }
    this.builds.set(
      id,
      this.runWithRetries(gridId, buildId).finally(() => this.builds.delete(id)),
    );
  }

  /**
   * Runs no more attempts: a build still under way when its process closes its storage
   * fails to write and is not run again here. Its record still says `running`, so the
   * next process on the storage resumes it (GridService.resumeBuilds).
   */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once no build waits or runs (builds started meanwhile included). */
  async settled(): Promise<void> {
    while (this.builds.size > 0) await Promise.all(this.builds.values());
  }

  private async runWithRetries(gridId: string, buildId: string): Promise<void> {
    for (let attempt = 1; attempt <= this.options.attempts && !this.stopped; attempt++) {
      try {
        return await this.options.run(gridId, buildId);
      } catch {
        // runBuild has recorded what it could; the record says how the build ended.
      }
    }
  }
}
