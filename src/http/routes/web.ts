import { existsSync } from 'node:fs';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { AppEnv } from '../router.js';

export interface WebOptions {
  /** The built page (dist/web): index.html, config.json, favicon.svg, assets/. */
  root: string;
  /** Origins besides the page's own that the page may fetch from or show images of. */
  extraOrigins?: readonly string[] | undefined;
}

/**
 * The page allows only its own scripts and styles (Vite emits no inline code), and
 * talks to and shows images from its own origin and `extraOrigins` (PUBLIC_URL's),
 * plus blob: URLs for the previews of the files being uploaded and the built grid.
 */
export function contentSecurityPolicy(extraOrigins: readonly string[] = []): string {
  const others = extraOrigins.length ? ` ${extraOrigins.join(' ')}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob:${others}`,
    `connect-src 'self'${others}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
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
