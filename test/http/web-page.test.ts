import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer, useTestServers } from '../support/local-server.js';

const SCRIPT = `console.log(${JSON.stringify('the page '.repeat(200))});`;
// A stand-in for dist/web, so this test needs no Vite build.
const webRoot = mkdtempSync(join(tmpdir(), 'gridbuilder-webroot-'));

beforeAll(() => {
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>GridBuilder</title>');
  writeFileSync(join(webRoot, 'config.json'), '{"apiUrl": ""}');
  writeFileSync(join(webRoot, 'assets', 'index-abc123.js'), SCRIPT);
  // What the Vite build writes next to its text files (web/vite.config.ts).
  writeFileSync(join(webRoot, 'assets', 'index-abc123.js.br'), brotliCompressSync(SCRIPT));
  writeFileSync(join(webRoot, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT));
  writeFileSync(join(webRoot, 'secret.txt'), 'not part of the page');
});
afterAll(() => {
  rmSync(webRoot, { recursive: true, force: true });
});
const server = useTestServer({ PUBLIC_URL: 'https://grids.example.com/' }, { webRoot });
const servers = useTestServers();

describe('the web page at /', () => {
  it('serves index.html with a strict CSP, nosniff and no caching', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<title>GridBuilder</title>');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    // PUBLIC_URL's origin may serve the API and its links.
    expect(csp).toContain("connect-src 'self' https://grids.example.com;");
    expect(csp).toContain("img-src 'self' blob: https://grids.example.com;");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves hashed assets for a year and config.json fresh', async () => {
    const asset = await fetch(`${server.url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    const config = await fetch(`${server.url}/config.json`);
    expect(await config.json()).toEqual({ apiUrl: '' });
    expect(config.headers.get('cache-control')).toBe('no-cache');
  });

  it('sends the compressed copy the browser accepts, and says it varies by it', async () => {
    const url = `${server.url}/assets/index-abc123.js`;
    for (const [accepted, expected] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip, deflate', 'gzip'],
    ] as const) {
      // fetch() decodes the body, so the text shows the copy is the same script.
      const response = await fetch(url, { headers: { 'Accept-Encoding': accepted } });
      expect(response.headers.get('content-encoding')).toBe(expected);
      expect(response.headers.get('vary')).toBe('Accept-Encoding');
      expect(response.headers.get('cache-control')).toContain('immutable');
      expect(await response.text()).toBe(SCRIPT);
    }
    // No encoding accepted: the plain file, still marked as varying for shared caches.
    const plain = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    expect(await plain.text()).toBe(SCRIPT);
  });

  it('serves nothing else from the folder, and leaves the API routes alone', async () => {
    const secret = await fetch(`${server.url}/secret.txt`);
    expect(secret.status).toBe(404);
    expect(await secret.json()).toMatchObject({ message: expect.stringContaining('No route') });
    const traversal = await fetch(`${server.url}/assets/..%2f..%2fsecret.txt`);
    expect(traversal.status).toBe(404);
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('answers / with the usual JSON 404 when the page is not built', async () => {
    const bare = await servers.start({}, undefined, join(webRoot, 'missing'));
    const response = await fetch(`${bare.url}/`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: expect.any(String) });
  });
});
