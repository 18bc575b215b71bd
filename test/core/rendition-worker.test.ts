import { expect, test } from 'vitest';
import { RenditionWorker } from '../../src/core/rendition-worker.js';

/** A worker whose room opens when the test says, recording what it makes. */
function workerWithGate(limit: number) {
  const made: string[] = [];
  let open!: () => void;
  const room = new Promise<void>((resolve) => {
    open = resolve;
  });
  const worker = new RenditionWorker({
    make: async (key) => {
      made.push(key);
    },
    room: () => room,
    limit,
    onError: () => {},
  });
  return { worker, made, open };
}

test('makes each key once however often it is asked for, in the order first asked', async () => {
  const { worker, made, open } = workerWithGate(10);
  worker.request(['a', 'b']);
  worker.request(['b', 'c', 'a']);
  open();
  await worker.settled();
  // "a" was taken off the queue at once (it waits for room), so asking again queued it again.
  expect(made).toEqual(['a', 'b', 'c', 'a']);
  expect(worker.state).toBe('idle');
});

test('drops requests beyond its limit: a later listing or build asks again', async () => {
  const { worker, made, open } = workerWithGate(2);
  worker.request(['a']); // taken at once: waits for room, off the queue
  worker.request(['b', 'c', 'd', 'e']);
  open();
  await worker.settled();
  expect(made).toEqual(['a', 'b', 'c']);

  worker.request(['d', 'e']);
  await worker.settled();
  expect(made).toEqual(['a', 'b', 'c', 'd', 'e']);
});

test('goes on past an image it cannot make, and says which', async () => {
  const failed: string[] = [];
  const made: string[] = [];
  const worker = new RenditionWorker({
    make: async (key) => {
      if (key === 'bad') throw new Error('unreadable');
      made.push(key);
    },
    room: async () => {},
    limit: 10,
    onError: (key) => failed.push(key),
  });
  worker.request(['bad', 'good']);
  await worker.settled();
  expect([failed, made]).toEqual([['bad'], ['good']]);
});

test('stopped while waiting for room, it makes nothing more and takes no more requests', async () => {
  const { worker, made, open } = workerWithGate(10);
  worker.request(['a', 'b']);
  await worker.stop();
  open();
  worker.request(['c']);
  await worker.settled();
  expect(made).toEqual([]);
});
