import { existsSync } from 'node:fs';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { contentSecurityPolicy } from '../page-content-security-policy.js';
import type { AppEnv } from '../router.js';

export interface WebOptions {
  /** The built page (dist/web): index.html, config.json, favicon.svg, assets/. */
  root: string;
  /** Origins besides the page's own that the page may fetch from or show images of. */
  extraOrigins?: readonly string[] | undefined;
}

/** The files the page consists of; nothing else under the root is served. */
const PAGE_PATHS = ['/', '/index.html', '/config.json', '/favicon.svg', '/assets/*'] as const;

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
    });
    app.get(path, serveStatic({ root }));
  }
  return app;
};
