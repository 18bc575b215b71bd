import type { MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import type { AppEnv } from './router.js';

const HEADER = 'X-Request-Id';

/** What hono/aws-lambda hands the app as its env: the event's request context among it. */
interface LambdaBindings {
  requestContext?: { requestId?: unknown };
}

/**
 * Names each request (`c.var.requestId`, logged with every line about it) and answers
 * the name in X-Request-Id. On Lambda the name is API Gateway's request id, so that a
 * user's report, API Gateway's access log and the function's log lines all give the
 * same one; elsewhere the client's own X-Request-Id when it is a plain token, or a new one.
 */
export function requestIds(): MiddlewareHandler<AppEnv> {
  const elsewhere = requestId({ headerName: HEADER });
  return async (c, next) => {
    const gatewayId = (c.env as LambdaBindings | undefined)?.requestContext?.requestId;
    if (typeof gatewayId !== 'string') return elsewhere(c, next);
    c.set('requestId', gatewayId);
    c.header(HEADER, gatewayId);
    await next();
  };
}
