import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** The API the dev server forwards to (`npm run dev` listens there). */
const api = process.env.GRIDBUILDER_URL ?? 'http://127.0.0.1:3000';

const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

/**
 * Writes a .br and a .gz next to each text file of the build, which the server sends to
 * browsers that accept them (src/http/routes/web.ts): compressed once here, not on every
 * request. Not config.json: people edit it in place, and a stale copy would win.
 */
function precompress(): Plugin {
  const worth = /\.(?:html|js|css|svg)$/;
  return {
    name: 'gridbuilder-precompress',
    apply: 'build',
    closeBundle() {
      for (const name of readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
        const path = join(outDir, name);
        if (!worth.test(name) || !statSync(path).isFile()) continue;
        const bytes = readFileSync(path);
        if (bytes.length < 1024) continue; // smaller than the headers compression costs
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

/** The web page: `vite build web` writes it to dist/web, which the server serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset links, so the files also work under a sub-path (a CDN, an S3 prefix).
  base: './',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
  },
  plugins: [precompress()],
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
