import { AsyncLocalStorage } from 'node:async_hooks';
import { withCallDeadline } from '../storage/aws/call-deadline.js';

/** What an invocation's log lines carry, so they can be found from a user's report. */
export interface InvocationIds {
  /** Lambda's id of the invocation (its REPORT line, its retries). */
  awsRequestId: string;
  /** API Gateway's id of the request (its access log, the X-Request-Id answered). */
  apiRequestId?: string;
}

/** The part of Lambda's context this reads. */
export interface InvocationContext {
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** Kept from the deadline to the function's timeout: to hand Lambda the answer, or the error it retries on. */
const ANSWER_MS = 1_000;
/**
 * Kept between cutting the AWS calls under way and the deadline: for the calls that
 * follow a failure (recording a failed build, undoing a half-done upload).
 */
const RECOVER_MS = 2_000;

const invocations = new AsyncLocalStorage<InvocationIds>();

/** The ids of the invocation running this code; none outside one (cold start). */
export const invocationIds = (): InvocationIds | Record<string, never> =>
  invocations.getStore() ?? {};

const apiRequestIdOf = (event: unknown): string | undefined => {
  const id = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext
    ?.requestId;
  return typeof id === 'string' ? id : undefined;
};

/**
 * Runs one invocation's work with its ids (for the log lines) and with every AWS call
 * it makes bounded by the time Lambda gives it, less the margins above.
 */
export function inInvocation<T>(
  event: unknown,
  context: InvocationContext | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (!context) return work();
  const apiRequestId = apiRequestIdOf(event);
  const ids: InvocationIds = { awsRequestId: context.awsRequestId };
  if (apiRequestId) ids.apiRequestId = apiRequestId;
  const endAt = Date.now() + context.getRemainingTimeInMillis() - ANSWER_MS;
  return invocations.run(ids, () => withCallDeadline({ cutAt: endAt - RECOVER_MS, endAt }, work));
}
