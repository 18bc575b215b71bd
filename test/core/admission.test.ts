import { expect, test } from 'vitest';
import { Admission } from '../../src/core/admission.js';
import { GridBuilderError } from '../../src/core/errors.js';

/** A job that runs until released, so the test decides when slots free up. */
function heldJob() {
  let release!: () => void;
  let started = false;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    job: async () => {
      started = true;
      await done;
      return 'done';
    },
    release: () => release(),
    started: () => started,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('runs at most `concurrency` jobs, queues up to `maxQueued`, refuses the rest as overloaded', async () => {
  const admission = new Admission('grid builds', {
    concurrency: 2,
    maxQueued: 1,
    queueTimeoutMs: 60_000,
  });
  const jobs = [heldJob(), heldJob(), heldJob()];
  const results = jobs.map((j) => admission.run(j.job));
  await tick();
  expect(jobs.map((j) => j.started())).toEqual([true, true, false]);
  expect([admission.active, admission.queued]).toEqual([2, 1]);

  const refused = admission.run(async () => 'never');
  await expect(refused).rejects.toSatisfy(
    (e) =>
      e instanceof GridBuilderError && e.kind === 'overloaded' && /grid builds/.test(e.message),
  );

  jobs[0]?.release();
  await tick();
  expect(jobs[2]?.started()).toBe(true); // the slot passed to the waiter
  expect([admission.active, admission.queued]).toEqual([2, 0]);
  jobs[1]?.release();
  jobs[2]?.release();
  expect(await Promise.all(results)).toEqual(['done', 'done', 'done']);
  expect(admission.active).toBe(0);
});

test('a job that waits longer than queueTimeoutMs is refused and leaves the queue', async () => {
  const admission = new Admission('uploads', { concurrency: 1, maxQueued: 5, queueTimeoutMs: 20 });
  const held = heldJob();
  const running = admission.run(held.job);
  const waiting = admission.run(async () => 'late');
  await expect(waiting).rejects.toMatchObject({ kind: 'overloaded' });
  expect(admission.queued).toBe(0);
  held.release();
  await running;
  expect(await admission.run(async () => 'next')).toBe('next');
});

test('a failing job frees its slot', async () => {
  const admission = new Admission('uploads', { concurrency: 1, maxQueued: 0, queueTimeoutMs: 0 });
  await expect(admission.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow(
    'boom',
  );
  expect(admission.active).toBe(0);
  expect(await admission.run(async () => 1)).toBe(1);
});

test('a patient job waits past the queue bound and timeout, in turn with the others', async () => {
  const admission = new Admission('grid builds', {
    concurrency: 1,
    maxQueued: 0,
    queueTimeoutMs: 1,
  });
  const running = heldJob();
  const first = admission.run(running.job);
  const patient = heldJob();
  const waiting = admission.runPatiently(patient.job);
  await new Promise((resolve) => setTimeout(resolve, 20)); // well past queueTimeoutMs
  expect([patient.started(), admission.queued]).toEqual([false, 1]);

  running.release();
  await first;
  await tick();
  expect(patient.started()).toBe(true);
  patient.release();
  expect(await waiting).toBe('done');
});
