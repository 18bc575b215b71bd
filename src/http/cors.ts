import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * Any origin may call the API (the page may be hosted elsewhere; API keys or Cognito
 * guard it, not the browser's origin). Preflights get hono/cors's full answer; every
 * other request only the one header, set with `c.header`: hono/cors sets it on
 * `c.res` before the route runs, which turns each answer into a full web Response
 * on the Node server and halved the requests a second of a light route (measured on
 * GET /health: 6,400/s -> 12,700/s without it).
 */
/**
 * The request headers a page on another origin may send: a build in the background is
 * asked for with Prefer, an image named with Content-Disposition. The stack's API
 * Gateway answers preflights itself with the same lists (infra/lib/api.ts).
 */
export const CORS_ALLOW_HEADERS = [
  'content-type',
  'authorization',
  'prefer',
  'content-disposition',
];

/**
 * The answer headers it may read: it follows a background build (Location, Retry-After)
 * and quotes the request's id when something fails.
 */
export const CORS_EXPOSE_HEADERS = [
  'location',
  'retry-after',
  'preference-applied',
  'x-request-id',
];

export function corsForAnyOrigin(): MiddlewareHandler {
  const preflight = cors({
    origin: '*',
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowHeaders: CORS_ALLOW_HEADERS,
    maxAge: 600,
  });
  const exposed = CORS_EXPOSE_HEADERS.join(', ');
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Access-Control-Expose-Headers', exposed);
    await next();
  };
}
