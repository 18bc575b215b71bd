import { availableParallelism } from 'node:os';

/**
 * Images decoding at once in a build, unless `DECODE_CONCURRENCY` says otherwise: four
 * times the cores, since a decode has serial steps (setup, header, hand-offs between
 * threads, back to JS) that leave a core idle. Bench 1000 @ 100 on 2 cores: 3.0 s with
 * 2, 2.6 s with 4, 2.4 s with 8.
 */
export const defaultDecodeConcurrency = (): number => 4 * availableParallelism();

/**
 * HEIC decoder threads (imaging/heic): the decode concurrency, but no more than the
 * cores, since each decode keeps one core busy and its thread's memory.
 */
export const heicDecodeThreads = (env: NodeJS.ProcessEnv = process.env): number =>
  Math.min(Number(env.DECODE_CONCURRENCY) || defaultDecodeConcurrency(), availableParallelism());

/**
 * Sizes libuv's thread pool, which runs every file operation and every sharp call: the
 * decodes in flight plus 4 threads for file I/O (with the default 4 threads, the reads
 * of the next sources queue behind the decodes and cores idle). libuv reads
 * `UV_THREADPOOL_SIZE` once, when its pool starts, and Node's ES module loader starts
 * it while loading the first module: so this runs from the CommonJS entry points
 * (`launch.cts`), before any ES module. A value set by the user is kept.
 */
export function sizeThreadPool(env: NodeJS.ProcessEnv = process.env): void {
  const decodes = Number(env.DECODE_CONCURRENCY) || defaultDecodeConcurrency();
  env.UV_THREADPOOL_SIZE ??= String(decodes + 4);
}
