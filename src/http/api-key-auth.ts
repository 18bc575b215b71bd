import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { GridBuilderError } from '../core/errors.js';

/**
 * The API's own routes: everything that reads or changes a grid. Anything else the
 * server answers is public by nature: `/health` (for load balancers), `/docs` and
 * `/openapi.json`, the web page's static files, and `/files/...`, whose links carry
 * their own signature. test/reliability/auth.test.ts checks that every operation in
 * the OpenAPI document outside /health falls under this pattern, so a new API route
 * cannot slip past it unnoticed; test/http/openapi-document.test.ts checks that the
 * document asks for the key on exactly these routes.
 */
export const PROTECTED_PATH = /^\/(add_image|generate_grid|grids)(\/|$)/;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Requires `Authorization: Bearer <key>` with one of `keys` on the API's routes.
 * Keys are compared as SHA-256 digests with timingSafeEqual, and every key is compared,
 * so the time taken says nothing about how much of a key was right, nor which key.
 * CORS preflights never reach here: the CORS middleware answers them first.
 */
export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler {
  const expected = keys.map(digest);
  return async (c, next) => {
    if (!PROTECTED_PATH.test(c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) {
      throw new GridBuilderError(
        'unauthorized',
        header
          ? 'The Authorization header must be "Bearer <API key>".'
          : 'This API needs a key: send the header "Authorization: Bearer <API key>".',
        { code: header ? 'api_key_invalid' : 'api_key_missing' },
      );
    }
    const given = digest(match[1] as string);
    let accepted = false;
    for (const key of expected) accepted = timingSafeEqual(given, key) || accepted;
    if (!accepted) {
      throw new GridBuilderError('unauthorized', 'The API key is not valid.', {
        code: 'api_key_invalid',
      });
    }
    return next();
  };
}
