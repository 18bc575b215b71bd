import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../router.js';

const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;
const CDN = 'https://cdn.jsdelivr.net/npm/swagger-ui-dist@5';

/** Where swagger-ui-dist is installed; absent in the Lambda bundle, where the page uses a CDN. */
function localAssetsDir(): string | undefined {
  try {
    return join(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'), '..');
  } catch {
    return undefined;
  }
}

const page = (assetBase: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GridBuilder API</title>
  <link rel="stylesheet" href="${assetBase}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${assetBase}/swagger-ui-bundle.js"></script>
  <script>SwaggerUIBundle({ url: new URL('./openapi.json', location.href).href, dom_id: '#swagger-ui' });</script>
</body>
</html>`;

/** Interactive API docs at /docs, served from the installed swagger-ui-dist (no CDN needed locally). */
export const docsRoutes = () => {
  const dir = localAssetsDir();
  const app = new Hono<AppEnv>().get('/docs', (c) => c.html(page(dir ? './docs/assets' : CDN)));
  if (dir) {
    for (const name of ASSETS) {
      const type = name.endsWith('.css') ? 'text/css' : 'text/javascript';
      app.get(`/docs/assets/${name}`, async (c) =>
        c.body(await readFile(join(dir, name)), 200, {
          'Content-Type': `${type}; charset=utf-8`,
          'Cache-Control': 'public, max-age=86400',
        }),
      );
    }
  }
  return app;
};
