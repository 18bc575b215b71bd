import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * When the AWS calls of one unit of work (a Lambda invocation) must be over, so that a
 * hung S3, DynamoDB or Lambda call ends as an error the code handles instead of as the
 * function's own timeout. Calls under way are cut at `cutAt`; a call that starts later
 * (recording a failure, undoing a half-done upload) still gets until `endAt`.
 */
export interface CallDeadline {
  cutAt: number;
  endAt: number;
}

const deadlines = new AsyncLocalStorage<CallDeadline>();

/** Runs `work` with every AWS call made within it (however deep) bounded by `deadline`. */
export const withCallDeadline = <T>(deadline: CallDeadline, work: () => T): T =>
  deadlines.run(deadline, work);

/**
 * Runs one AWS call (`work`, retries included) bounded by `limitMs` from now, unless a
 * deadline bounds it already: on Lambda the invocation's remaining time does, elsewhere
 * (the Node server, the CLI's gc) nothing else would.
 */
export function withinCallLimit<T>(limitMs: number, work: () => T): T {
  if (deadlines.getStore()) return work();
  const endAt = Date.now() + limitMs;
  return withCallDeadline({ cutAt: endAt, endAt }, work);
}

/** Milliseconds a call starting now may take, or undefined when nothing bounds it. */
export function timeLeftForCall(now = Date.now()): number | undefined {
  const deadline = deadlines.getStore();
  if (!deadline) return undefined;
  return Math.max(0, (now < deadline.cutAt ? deadline.cutAt : deadline.endAt) - now);
}
