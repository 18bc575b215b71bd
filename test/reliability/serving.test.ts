import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import { UrlSigner } from '../../src/storage/local/url-signer.js';
import { newDataDir } from './support/data-dir.js';
import { makeImage } from './support/images.js';

let server: RunningServer;
let dataDir: string;
let signer: UrlSigner;
let secret: string;
const saved: { key: string; url: string; bytes: Buffer; type: string }[] = [];

beforeAll(async () => {
  dataDir = newDataDir('serving');
  server = await startServer(loadConfig({ DATA_DIR: dataDir, PORT: '0' }), createLogger('silent'));
  secret = readFileSync(join(dataDir, 'url-signing-secret'), 'utf8').trim();
  signer = new UrlSigner(Buffer.from(secret, 'utf8'));
  for (const [format, type] of [
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['webp', 'image/webp'],
  ] as const) {
    const bytes = await makeImage(format, format.length);
    const response = await fetch(`${server.url}/add_image?uniqueGridId=safe`, {
      method: 'POST',
      headers: { 'content-type': 'text/html' }, // a lying type is ignored: the bytes decide
      body: new Uint8Array(bytes),
    });
    expect(response.status).toBe(200);
    const { key } = (await response.json()) as { key: string };
    saved.push({ key, bytes, type, url: '' });
  }
  const listing = (await (await fetch(`${server.url}/grids/safe`)).json()) as {
    images: { key: string; url: string }[];
  };
  for (const image of listing.images) {
    const entry = saved.find((s) => s.key === image.key);
    if (entry) entry.url = image.url;
  }
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A GET with the path exactly as written (fetch would normalize `..` away). */
function rawGet(path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
    });
    socket.on('end', () => resolve({ status: Number(reply.slice(9, 12)), text: reply }));
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

const signedQuery = (bucket: string, key: string) => {
  const expires = Math.floor(Date.now() / 1000) + 300;
  return `expires=${expires}&signature=${signer.sign('GET', bucket, key, expires)}`;
};

test('a file is served with its stored type and nosniff, byte for byte', async () => {
  for (const image of saved) {
    const response = await fetch(image.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(image.type);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; sandbox/);
    expect(Buffer.from(await response.arrayBuffer()).equals(image.bytes)).toBe(true);
  }
});

test("a link for one key never reads another, nor another bucket's", async () => {
  const [a, b] = saved as [(typeof saved)[0], (typeof saved)[0]];
  const linkA = new URL(a.url);
  const swapped = new URL(linkA);
  swapped.pathname = linkA.pathname.replace(a.key, b.key);
  const other = await fetch(swapped);
  expect(other.status).toBe(403);
  expect(((await other.json()) as { message: string }).message).toMatch(/not valid/);
  const bucket = new URL(linkA);
  bucket.pathname = linkA.pathname.replace('/source/', '/destination/');
  expect((await fetch(bucket)).status).toBe(403);
  const expired = new URL(linkA);
  expired.searchParams.set('expires', String(Number(linkA.searchParams.get('expires')) + 1));
  expect((await fetch(expired)).status).toBe(403);
});

test('path traversal on /files is a 4xx and never reads outside the bucket, even with a valid signature', async () => {
  const attempts = [
    '../index.sqlite',
    '../../url-signing-secret',
    '../../index.sqlite',
    'safe/../../../url-signing-secret',
    '/etc/passwd',
    '//etc/passwd',
    'safe\\..\\..\\..\\url-signing-secret',
    '..\\..\\index.sqlite',
    '.tmp/x',
    '../.tmp',
    'safe/%2e%2e/%2e%2e/url-signing-secret',
    'safe/\u0000.jpg',
  ];
  let tried = 0;
  for (const key of attempts) {
    const query = signedQuery('source', key);
    const encoded = key.split('/').map(encodeURIComponent).join('/');
    const forms = [
      `/files/source/${key}?${query}`, // raw, as an attacker's client may send it
      `/files/source/${encoded}?${query}`,
      `/files/source/${encodeURIComponent(key)}?${query}`,
      `/files/source/${encodeURIComponent(key).replaceAll('.', '%2e')}?${query}`,
    ];
    for (const path of forms) {
      const reply = await rawGet(path);
      expect(reply.status, path).toBeGreaterThanOrEqual(400);
      expect(reply.status, path).toBeLessThan(500);
      expect(reply.text).not.toContain('SQLite format');
      expect(reply.text).not.toContain(secret);
      expect(reply.text).not.toContain('root:');
      tried++;
    }
  }
  console.log(
    `[reliability] serving: ${tried} traversal attempts with valid signatures -> 4xx, nothing read`,
  );
});

test('no directory listing: folders and bucket roots are 404, even signed', async () => {
  for (const [bucket, key] of [
    ['source', 'safe'],
    ['source', 'safe/'],
    ['destination', 'safe'],
    ['.tmp', 'x'],
  ] as const) {
    const reply = await rawGet(`/files/${bucket}/${key}?${signedQuery(bucket, key)}`);
    expect(reply.status, `${bucket}/${key}`).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(reply.text).not.toContain('.jpg');
  }
  for (const path of ['/files', '/files/', '/files/source', '/files/source/']) {
    const reply = await rawGet(path);
    expect(reply.status, path).toBe(404);
    expect(reply.text).not.toContain('.jpg');
  }
});
