import { expect, test } from 'vitest';
import { MemoryBudget } from '../../src/core/memory-budget.js';

/** A job that runs until the test ends it; records when it started. */
function job(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    work: async () => {
      log.push(name);
      await done;
    },
    finish,
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('jobs share the budget, wait in arrival order, and one larger than all of it runs alone', async () => {
  const budget = new MemoryBudget(100);
  const log: string[] = [];
  const a = job(log, 'a');
  const b = job(log, 'b');
  const huge = job(log, 'huge');
  const small = job(log, 'small');
  const runs = [
    budget.use(60, a.work),
    budget.use(30, b.work),
    budget.use(500, huge.work),
    // Would fit beside a and b, but arrives after huge: it waits its turn.
    budget.use(10, small.work),
  ];
  await turn();
  expect(log).toEqual(['a', 'b']);
  a.finish();
  await turn();
  expect(log).toEqual(['a', 'b']);
  b.finish();
  await turn();
  expect(log).toEqual(['a', 'b', 'huge']);
  huge.finish();
  await turn();
  expect(log).toEqual(['a', 'b', 'huge', 'small']);
  small.finish();
  await Promise.all(runs);
});

test('an estimate that is not a number takes the whole budget rather than none of it', async () => {
  const budget = new MemoryBudget(100);
  const log: string[] = [];
  const odd = job(log, 'odd');
  const next = job(log, 'next');
  const runs = [budget.use(Number.NaN, odd.work), budget.use(1, next.work)];
  await turn();
  expect(log).toEqual(['odd']);
  odd.finish();
  await turn();
  expect(log).toEqual(['odd', 'next']);
  next.finish();
  await Promise.all(runs);
});
