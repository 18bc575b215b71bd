import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PROTECTED_PATH } from '../../src/http/api-key-auth.js';
import { createLogger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import { newDataDir } from './support/data-dir.js';
import { makeImage } from './support/images.js';

const KEYS = ['first-key-0123456789abcdef', 'second-key-0123456789abcdef'];
const WRONG = [
  undefined,
  'Bearer not-a-key-at-all-0000000000',
  `Bearer ${KEYS[0]?.slice(0, -1)}`, // all but the last character
  `Basic ${Buffer.from(`user:${KEYS[0]}`).toString('base64')}`,
  `${KEYS[0]}`, // no scheme
  'Bearer',
];

let server: RunningServer;
let dataDir: string;
let routes: { method: string; path: string }[];
const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

beforeAll(async () => {
  dataDir = newDataDir('auth');
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', API_KEYS: KEYS.join(', ') });
  server = await startServer(config, createLogger('silent'));
  const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  routes = Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({
      method: method.toUpperCase(),
      path: path.replace('{gridId}', 'authgrid').replace(/\{\w+Id\}/g, ULID),
    })),
  );
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A request with the path exactly as written (fetch would normalize it). */
function rawRequest(method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
  });
}

/** One call of a route; POSTs carry no body (an empty add_image is a 400 once past the key). */
const call = (method: string, path: string, authorization?: string) =>
  fetch(
    `${server.url}${path}${path.startsWith('/add_image') || path.startsWith('/generate_grid') ? '?uniqueGridId=authgrid' : ''}`,
    {
      method,
      headers: authorization ? { authorization } : {},
    },
  );

describe('with API_KEYS set', () => {
  test('every API route in the OpenAPI document but /health is protected', () => {
    const api = routes.filter((r) => r.path !== '/health');
    expect(api.length).toBeGreaterThanOrEqual(7);
    for (const route of api) expect(PROTECTED_PATH.test(route.path), route.path).toBe(true);
  });

  test('no key or a wrong key: 401 JSON with WWW-Authenticate, nothing done', async () => {
    let checked = 0;
    for (const route of routes.filter((r) => r.path !== '/health')) {
      for (const authorization of WRONG) {
        const response = await call(route.method, route.path, authorization);
        const body = (await response.json()) as { message: string };
        expect(response.status, `${route.method} ${route.path} with ${authorization}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(body.message).toMatch(/key|Authorization/);
        checked++;
      }
    }
    // The unauthorized add_image calls above stored nothing.
    const listing = await fetch(`${server.url}/grids/authgrid`, {
      headers: { authorization: `Bearer ${KEYS[0]}` },
    });
    expect(((await listing.json()) as { image_count: number }).image_count).toBe(0);
    console.log(
      `[reliability] auth: ${checked} unauthorized calls to ${routes.length - 1} protected routes -> 401`,
    );
  });

  test('no way around the check through the spelling of the path', async () => {
    const variants = [
      ['POST', '/%61dd_image?uniqueGridId=authgrid'],
      ['POST', '/add%5Fimage?uniqueGridId=authgrid'],
      ['POST', '/add_image/?uniqueGridId=authgrid'],
      ['POST', '//add_image?uniqueGridId=authgrid'],
      ['POST', '/./add_image?uniqueGridId=authgrid'],
      ['POST', '/files/../add_image?uniqueGridId=authgrid'],
      ['GET', '/%67rids/authgrid'],
      ['GET', '/grids%2Fauthgrid'],
      ['GET', '/GRIDS/authgrid'],
      ['GET', '/grids/authgrid/'],
      ['HEAD', '/grids/authgrid'],
      ['GET', '/health/../grids/authgrid'],
      ['GET', '/docs/%2e%2e/grids/authgrid'],
    ] as const;
    for (const [method, path] of variants) {
      const reply = await rawRequest(method, path);
      expect([401, 404], `${method} ${path}: ${reply.slice(0, 200)}`).toContain(
        Number(reply.slice(9, 12)),
      );
    }
  });

  test('either right key: the route runs (any answer but 401)', async () => {
    for (const key of KEYS) {
      for (const route of routes) {
        const response = await call(route.method, route.path, `Bearer ${key}`);
        expect(response.status, `${route.method} ${route.path}`).not.toBe(401);
      }
    }
  });

  test('the lab flow with a key, and its signed links open without one', async () => {
    const auth = { authorization: `bearer  ${KEYS[1]}` }; // scheme is case-insensitive
    const saved = await fetch(`${server.url}/add_image?uniqueGridId=keyed`, {
      method: 'POST',
      headers: auth,
      body: new Uint8Array(await makeImage('jpeg', 1)),
    });
    expect(saved.status).toBe(200);
    const built = await fetch(`${server.url}/generate_grid?uniqueGridId=keyed`, {
      method: 'POST',
      headers: auth,
    });
    expect(built.status).toBe(200);
    const { presigned_url } = (await built.json()) as { presigned_url: string };
    const file = await fetch(presigned_url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
  });

  test('/health, /docs, /openapi.json and CORS preflights stay open', async () => {
    for (const path of ['/health', '/docs', '/docs/assets/swagger-ui.css', '/openapi.json']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    for (const route of routes) {
      const preflight = await fetch(`${server.url}${route.path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://example.com',
          'access-control-request-method': route.method,
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status, `OPTIONS ${route.path}`).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    }
  });
});

describe('without API_KEYS (the default)', () => {
  test('the API is open, as in the lab', async () => {
    const dir = newDataDir('open');
    const open = await startServer(
      loadConfig({ DATA_DIR: dir, PORT: '0' }),
      createLogger('silent'),
    );
    try {
      const saved = await fetch(`${open.url}/add_image?uniqueGridId=open`, {
        method: 'POST',
        body: new Uint8Array(await makeImage('png', 2)),
      });
      expect(saved.status).toBe(200);
      expect((await fetch(`${open.url}/grids/open`)).status).toBe(200);
    } finally {
      await open.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a key shorter than 16 characters is refused at start', () => {
    expect(() => loadConfig({ API_KEYS: 'short' })).toThrow(/at least 16 characters/);
  });
});
