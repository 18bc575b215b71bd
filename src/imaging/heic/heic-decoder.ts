import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import { heicDecodeThreads } from '../../thread-pool.js';
import { HEIC_WORKER_SCRIPT } from './heic-worker-script.js';

/** A decoded HEIC: its primary image, upright, as RGBA. */
export interface HeicPixels {
  width: number;
  height: number;
  rgba: Buffer;
}

type Reply = { error: string } | { width: number; height: number; data: ArrayBuffer };

/**
 * A decoder thread left idle this long ends: its WebAssembly memory only grows (some
 * 105 MB after a 12 MP photo) and is returned to the system only with the thread.
 */
const IDLE_MS = 10_000;

const idle: Worker[] = [];
const endings = new Map<Worker, NodeJS.Timeout>();
/** The decodes at once: libheif's decode runs on one core, each on its own thread. */
const decodes = pLimit(heicDecodeThreads());

/**
 * Decodes the primary image of a HEIC on a decoder thread, off the event loop: a 12 MP
 * decode takes half a second of CPU. More pixels than `maxInputPixels` (after
 * rotation, from the header) reject with libvips' words, "exceeds pixel limit", before
 * any decode; damaged data rejects with libheif's.
 */
export const decodeHeic = (bytes: Uint8Array, maxInputPixels: number): Promise<HeicPixels> =>
  decodes(async () => {
    const worker = idle.pop() ?? startThread();
    clearTimeout(endings.get(worker));
    endings.delete(worker);
    worker.ref();
    let reply: Reply;
    try {
      reply = await ask(worker, bytes, maxInputPixels);
    } catch (error) {
      await worker.terminate(); // crashed (out of memory?): the next decode gets a new one
      throw error;
    }
    rest(worker);
    if ('error' in reply) throw new Error(`HEIC: ${reply.error}`);
    return { width: reply.width, height: reply.height, rgba: Buffer.from(reply.data) };
  });

/**
 * A thread with libheif's WebAssembly build, its .wasm inlined in the JavaScript: one
 * file, from node_modules here and from the Lambda bundle's node_modules on AWS. Found
 * when first needed, so that a missing libheif fails HEIC decodes, not every import.
 */
const startThread = () =>
  new Worker(HEIC_WORKER_SCRIPT, {
    eval: true,
    workerData: { libheif: createRequire(import.meta.url).resolve('libheif-js/wasm-bundle') },
  });

function ask(worker: Worker, bytes: Uint8Array, maxInputPixels: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stop = () => worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    const onMessage = (reply: Reply) => {
      stop();
      resolve(reply);
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onExit = (code: number) => {
      stop();
      reject(new Error(`the HEIC decoder thread exited (${code})`));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    // A copy the thread can own: `bytes` may be a view into a larger buffer.
    const copy = new Uint8Array(bytes);
    worker.postMessage({ bytes: copy, maxInputPixels }, [copy.buffer]);
  });
}

/** Back to the idle threads, which do not keep the process alive, until it ends. */
function rest(worker: Worker) {
  worker.unref();
  idle.push(worker);
  endings.set(
    worker,
    setTimeout(() => {
      idle.splice(idle.indexOf(worker), 1);
      endings.delete(worker);
      void worker.terminate();
    }, IDLE_MS).unref(),
  );
}
