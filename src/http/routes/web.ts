import { existsSync } from 'node:fs';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { contentSecurityPolicy } from '../page-content-security-policy.js';
import type { AppEnv } from '../router.js';

export interface WebOptions {
  /** The built page (dist/web): index.html, config.json, assets/ (the favicon too). */
  root: string;
  /** Origins besides the page's own that the page may fetch from or show images of. */
  extraOrigins?: readonly string[] | undefined;
}

/** The files the page consists of; nothing else under the root is served. */
const PAGE_PATHS = ['/', '/index.html', '/config.json', '/assets/*'] as const;

/** Serves the web page at `/` from the built folder, with strict security headers. */
export const webRoutes = ({ root, extraOrigins }: WebOptions) => {
  const app = new Hono<AppEnv>();
  if (!existsSync(root)) return app;
  const policy = contentSecurityPolicy(extraOrigins);
  for (const path of PAGE_PATHS) {
    app.use(path, async (c, next) => {
      await next();
      c.header('Content-Security-Policy', policy);
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Referrer-Policy', 'no-referrer');
      // Vite names assets by their content hash: they never change. The rest must be fresh.
      c.header(
        'Cache-Control',
        c.req.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      // The build's .br/.gz copies make every answer depend on Accept-Encoding, the plain
      // one too: a shared cache must not hand the plain copy to all.
      if (!c.res.headers.has('Vary')) c.header('Vary', 'Accept-Encoding');
    });
    // precompressed: the .br or .gz the Vite build wrote (web/vite.config.ts), if accepted.
    app.get(path, serveStatic({ root, precompressed: true }));
  }
  return app;
};
