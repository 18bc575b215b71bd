import { beforeAll, describe, expect, it } from 'vitest';
import { loadSigningSecret, UrlSigner } from '../../src/storage/local/url-signer.js';
import { expectErrorBody } from '../support/error-codes.js';
import { RED, solidImage } from '../support/images.js';
import { useTestServer } from '../support/local-server.js';

const server = useTestServer({ URL_EXPIRES_SECONDS: '2' });
let link: URL;

beforeAll(async () => {
  await server.addImage('signed', await solidImage(RED));
  link = new URL((await (await server.generateGrid('signed')).json()).presigned_url);
});

const get = (url: URL | string) => fetch(url);
const withParam = (name: string, value: string) => {
  const url = new URL(link);
  url.searchParams.set(name, value);
  return url;
};

async function expectForbidden(response: Response, message: RegExp) {
  expect(response.status).toBe(403);
  expect(expectErrorBody(await response.json()).message).toMatch(message);
}

describe('presigned links of the local backend', () => {
  it('serve the file with its type, nosniff and nothing else', async () => {
    const response = await get(link);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(100);
  });

  it('refuse an altered signature, expiry, key or bucket', async () => {
    const signature = link.searchParams.get('signature') as string;
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    await expectForbidden(await get(withParam('signature', flipped)), /not valid/);
    await expectForbidden(await get(withParam('signature', '')), /not valid/);
    await expectForbidden(
      await get(withParam('expires', String(Number(link.searchParams.get('expires')) + 3600))),
      /not valid/,
    );

    const otherKey = new URL(link);
    otherKey.pathname = link.pathname.replace(/grid-[0-9a-f]+/, 'grid-000000000000000000000000');
    await expectForbidden(await get(otherKey), /not valid/);

    const otherBucket = new URL(link);
    otherBucket.pathname = link.pathname.replace('/destination/', '/source/');
    await expectForbidden(await get(otherBucket), /not valid/);

    const unsigned = new URL(link);
    unsigned.search = '';
    await expectForbidden(await get(unsigned), /not valid/);
  });

  it('refuse a GET link used for PUT', async () => {
    const response = await fetch(link, { method: 'PUT', body: 'overwrite' });
    await expectForbidden(response, /not valid/);
    expect((await get(link)).status).toBe(200);
  });

  it('never read outside the bucket', async () => {
    const query = link.search;
    for (const path of [
      '/files/destination/..%2F..%2Furl-signing-secret',
      '/files/destination/%2E%2E/%2E%2E/url-signing-secret',
      '/files/destination/..%5C..%5Curl-signing-secret',
      '/files/destination/%2Fetc%2Fpasswd',
      '/files/../url-signing-secret',
      '/files/destination/',
      '/files/destination/signed',
      '/files/nobucket/signed/x.jpg',
    ]) {
      const response = await fetch(`${server.url}${path}${query}`);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      const text = await response.text();
      expect(text, path).not.toMatch(/root:|[A-Za-z0-9_-]{40,}$/);
    }
  });

  it('never read outside the bucket, even when validly signed', async () => {
    const signer = new UrlSigner(loadSigningSecret(server.dataDir, undefined));
    const expires = Math.floor(Date.now() / 1000) + 60;
    for (const key of [
      '../url-signing-secret',
      '../../etc/passwd',
      'signed',
      '.tmp/x',
      'a/../../b',
    ]) {
      const signature = signer.sign('GET', 'destination', key, expires);
      const response = await fetch(
        `${server.url}/files/destination/${encodeURIComponent(key)}?expires=${expires}&signature=${signature}`,
      );
      expect([400, 404], key).toContain(response.status);
      expect(await response.text(), key).not.toMatch(/root:|[A-Za-z0-9_-]{40,}$/);
    }
  });

  it('expire', async () => {
    expect((await get(link)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    await expectForbidden(await get(link), /expired/);
  });
});
