import { NodeHttpHandler } from '@smithy/node-http-handler';
import { timeLeftForCall } from './call-deadline.js';

type Request = Parameters<NodeHttpHandler['handle']>[0];
type HandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

/**
 * Under a call deadline, one attempt may take at most this share of the time left, so
 * that a retry (the SDK's standard strategy) still has time when an attempt hangs.
 */
const ATTEMPT_SHARE = 0.5;
/** Below this, splitting the time left between attempts leaves none of them enough. */
const MIN_ATTEMPT_MS = 1_000;

/**
 * The SDK's Node handler, bounded by the call deadline when one is set (on Lambda):
 * each attempt is aborted at its share of the time left. An attempt cut short of the
 * deadline ends as a TimeoutError, which the SDK retries; one cut at the deadline ends
 * as an AbortError, which it does not. Without a deadline (the local server, the CLI)
 * it is the plain handler.
 */
export class DeadlineHttpHandler extends NodeHttpHandler {
  override async handle(request: Request, options: HandlerOptions = {}) {
    const left = timeLeftForCall();
    if (left === undefined) return super.handle(request, options);
    const attemptMs = Math.min(left, Math.max(MIN_ATTEMPT_MS, Math.floor(left * ATTEMPT_SHARE)));
    const cut = AbortSignal.timeout(attemptMs);
    const abortSignal = options.abortSignal
      ? AbortSignal.any([cut, options.abortSignal as AbortSignal])
      : cut;
    try {
      return await super.handle(request, { ...options, abortSignal });
    } catch (error) {
      if (cut.aborted && attemptMs < left) {
        throw Object.assign(new Error(`no answer within ${attemptMs} ms`), {
          name: 'TimeoutError',
          cause: error,
        });
      }
      throw error;
    }
  }
}
