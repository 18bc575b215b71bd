import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The API the dev server forwards to (`npm run dev` listens there). */
const api = process.env.GRIDBUILDER_URL ?? 'http://127.0.0.1:3000';

/** The web page: `vite build web` writes it to dist/web, which the server serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset links, so the files also work under a sub-path (a CDN, an S3 prefix).
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  // `npm run dev:web`: the page with live reload, the API calls forwarded to the server.
  server: {
    proxy: Object.fromEntries(
      ['/add_image', '/generate_grid', '/grids', '/files', '/docs', '/health'].map((path) => [
        path,
        api,
      ]),
    ),
  },
});
