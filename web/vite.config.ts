import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

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
});
