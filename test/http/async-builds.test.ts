import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGridBuilder } from '../../src/app/create-grid-builder.js';
import { GridBuilderError } from '../../src/core/errors.js';
import type { ObjectStore } from '../../src/core/ports.js';
import { createLogger } from '../../src/logger.js';
import { expectErrorBody } from '../support/error-codes.js';
import { BLUE, GREEN, RED, solidImage, subjectNearLeftEdge, YELLOW } from '../support/images.js';
import { gate, type PausePoint } from '../support/pause-points.js';
import { serveApp } from '../support/serve-app.js';
import { STORAGE_BACKENDS, useStorageBackend } from '../support/storage-backends.js';

// Builds in the background over HTTP (generate_grid's 202 and the build status route),
// on each storage backend, through a real server on 127.0.0.1. The server's source
// reads pass a gate the test controls: it holds a build between two tiles, or fails
// every read of one grid as unreachable storage would.

const COLOURS = [RED, GREEN, BLUE, YELLOW];

/** The store, with the n-th read of a source (from now) held, or a grid's reads failing. */
class SourceGate {
  private held: { left: number; reach(): void; released: Promise<void> } | undefined;
  readonly failing = new Set<string>();
  readonly port: ObjectStore;

  constructor(objects: ObjectStore) {
    this.port = this.gated(objects);
  }

  private gated(objects: ObjectStore): ObjectStore {
    return new Proxy(objects, {
      get: (target, name) => {
        const value = Reflect.get(target, name, target);
        if (typeof value !== 'function') return value;
        if (name !== 'getSource') return value.bind(target);
        return async (key: string) => {
          if (this.failing.has(key.slice(0, key.indexOf('/')))) {
            throw new GridBuilderError('storage_unavailable', 'Storage is unavailable: test.');
          }
          const held = this.held;
          if (held && held.left-- === 0) {
            this.held = undefined;
            held.reach();
            await held.released;
          }
          return value.call(target, key);
        };
      },
    });
  }

  /** Lets a held read go (a failed test's), so the servers can close. */
  releaseAll(): void {
    this.releaseHeld?.();
  }

  private releaseHeld: (() => void) | undefined;

  /** Holds the `n`-th source read from now (0: the next one) until released. */
  hold(n: number): PausePoint {
    const held = gate();
    this.held = { ...held, left: n };
    this.releaseHeld = held.release;
    return held;
  }
}

describe.each(STORAGE_BACKENDS)('background builds on $name', (backend) => {
  // One source read at a time, so a held read holds the build between two tiles.
  const env = { BUILD_IN_FLIGHT: '1', RENDITION_SIZES: '' };
  const opened = useStorageBackend(backend, env);
  let gate: SourceGate;
  const servers: { url: string; close(): Promise<void>; idle(): Promise<void> }[] = [];
  let url: string;
  let tightUrl: string;
  let tinyBudgetUrl: string;

  /** A GridBuilder over the backend with the gate in front of its store. */
  async function start(extra: Partial<typeof opened.config> = {}) {
    const config = { ...opened.config, ...extra };
    const storage = { ...opened.storage, objects: gate.port };
    const gridBuilder = createGridBuilder(config, createLogger('silent'), storage);
    const served = await serveApp(gridBuilder.app.fetch);
    servers.push({ ...served, idle: () => gridBuilder.service.whenIdle() });
    return served.url;
  }

  beforeAll(async () => {
    gate = new SourceGate(opened.storage.objects);
    url = await start();
    tightUrl = await start({ SYNC_BUILD_SECONDS: 0 });
    // Over four images' decodes (8 ms each, one at a time), not their copies from the
    // tile cache: a fraction of a second, which the configuration (whole seconds) cannot set.
    tinyBudgetUrl = await start({ SYNC_BUILD_SECONDS: 0.01, DECODE_CONCURRENCY: 1 });
  });
  afterAll(async () => {
    gate.releaseAll();
    for (const server of servers) {
      await server.idle();
      await server.close();
    }
  });

  const api = (path: string, init?: RequestInit, base = url) => fetch(`${base}${path}`, init);
  const generate = (grid: string, init: RequestInit = {}, base = url) =>
    api(`/generate_grid?uniqueGridId=${grid}&tileSize=32`, { method: 'POST', ...init }, base);
  const preferAsync = { headers: { Prefer: 'respond-async' } };
  const addFour = async (grid: string) => {
    for (const colour of COLOURS) {
      const body = new Uint8Array(await solidImage(colour));
      expect((await api(`/add_image?uniqueGridId=${grid}`, { method: 'POST', body })).status).toBe(
        200,
      );
    }
  };
  /** GETs the status URL until `done` holds for its body (the test's timeout bounds it). */
  async function until(statusUrl: string, done: (body: Record<string, unknown>) => boolean) {
    for (;;) {
      const response = await fetch(statusUrl);
      const body = await response.json();
      if (done(body)) return { response, body };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const download = async (link: string) => Buffer.from(await (await fetch(link)).arrayBuffer());

  it('Prefer: respond-async: 202, progress while held, then done with the grid a synchronous build makes', async () => {
    await addFour('trip');
    const held = gate.hold(1);
    const response = await generate('trip', preferAsync);
    expect(response.status).toBe(202);
    const started = await response.json();
    expect(started).toEqual({
      message: 'building grid',
      uniqueGridId: 'trip',
      build_id: expect.stringMatching(/^[0-9a-f]{24}$/),
      status: 'running',
      tiles_done: 0,
      tiles_total: 4,
      status_url: `${url}/grids/trip/builds/${started.build_id}`,
    });
    expect(response.headers.get('location')).toBe(started.status_url);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('preference-applied')).toBe('respond-async');

    await held.reached;
    const running = await until(started.status_url, (body) => body.tiles_done === 1);
    expect(running.body).toEqual({
      uniqueGridId: 'trip',
      build_id: started.build_id,
      status: 'running',
      tiles_done: 1,
      tiles_total: 4,
    });
    expect(running.response.headers.get('retry-after')).toBe('1');

    // The same request while it runs: the same build.
    const again = await generate('trip', preferAsync);
    expect(again.status).toBe(202);
    expect((await again.json()).build_id).toBe(started.build_id);

    held.release();
    const done = await until(started.status_url, (body) => body.status !== 'running');
    expect(done.response.headers.get('retry-after')).toBeNull();
    expect(done.body).toEqual({
      uniqueGridId: 'trip',
      build_id: started.build_id,
      status: 'done',
      tiles_done: 4,
      tiles_total: 4,
      message: 'built grid',
      presigned_url: expect.stringMatching(/^http/),
      key: `trip/grid-${started.build_id}.jpg`,
      width: 64,
      height: 64,
      columns: 2,
      rows: 2,
      image_count: 4,
      tile_size: 32,
      format: 'jpeg',
      crop: 'center',
      gap: 0,
      background: '#000000',
      layout: 'grid',
      labels: 'none',
      expires_at: expect.any(String),
      cached: false,
    });

    // The same images in another grid, built in the request: the same image.
    await addFour('twin');
    const sync = await generate('twin');
    expect(sync.status).toBe(200);
    const twin = await sync.json();
    expect(twin.cached).toBe(false);
    expect(await download(String(done.body.presigned_url))).toEqual(
      await download(twin.presigned_url),
    );

    // Built now: the stored grid at once, whatever the preference.
    const cached = await generate('trip', preferAsync);
    expect(cached.status).toBe(200);
    expect(cached.headers.get('preference-applied')).toBeNull();
    expect(await cached.json()).toMatchObject({ key: done.body.key, cached: true });
  });

  it('a background build carries its layout and width, and reports the justified size', async () => {
    await addFour('justified');
    const options = 'tileSize=32&layout=justified&width=100&gap=2';
    const started = await (
      await api(`/generate_grid?uniqueGridId=justified&${options}`, {
        method: 'POST',
        ...preferAsync,
      })
    ).json();
    expect((await generate('justified', preferAsync).then((r) => r.json())).build_id).not.toBe(
      started.build_id,
    );
    const done = await until(started.status_url, (b) => b.status !== 'running');
    // Four squares: three make a row 100 px wide and 31 px high; the fourth, 32 px.
    expect(done.body).toMatchObject({ status: 'done', layout: 'justified', width: 100, rows: 2 });
    const { width, height } = await sharp(
      await download(String(done.body.presigned_url)),
    ).metadata();
    expect([width, height]).toEqual([100, done.body.height]);
    const sync = await (
      await api(`/generate_grid?uniqueGridId=justified&${options}`, { method: 'POST' })
    ).json();
    expect(sync).toMatchObject({ cached: true, key: done.body.key, height: done.body.height });
  });

  it('a background build carries its crop, gap and background: another build, its tiles cut as asked', async () => {
    const body = new Uint8Array(await subjectNearLeftEdge());
    for (const grid of ['cropped', 'cropped-twin']) {
      for (let i = 0; i < 2; i++) {
        await api(`/add_image?uniqueGridId=${grid}`, { method: 'POST', body });
      }
    }
    const options = 'tileSize=32&format=png&crop=attention&gap=2&background=ffffff';
    const attention = (grid: string) =>
      api(`/generate_grid?uniqueGridId=${grid}&${options}`, { method: 'POST', ...preferAsync });
    const started = await (await attention('cropped')).json();
    const centered = await (await generate('cropped', preferAsync)).json();
    expect(centered.build_id).not.toBe(started.build_id);

    const done = await until(started.status_url, (b) => b.status !== 'running');
    expect(done.body).toMatchObject({
      status: 'done',
      crop: 'attention',
      format: 'png',
      gap: 2,
      background: '#ffffff',
      width: 32 + 2 * 2, // one column of two
    });
    const grid = await download(String(done.body.presigned_url));
    // stats() would read the whole image: the tile's pixels are extracted first.
    const firstTile = await sharp(grid)
      .extract({ left: 2, top: 2, width: 32, height: 32 })
      .raw()
      .toBuffer();
    const red = firstTile.filter((_, i) => i % 3 === 0);
    expect(red.reduce((sum, v) => sum + v, 0) / red.length).toBeGreaterThan(140); // the subject kept
    expect(
      Array.from(
        await sharp(grid).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer(),
      ),
    ).toEqual([255, 255, 255]);
    // What a build in the request makes of the same photos with the same crop.
    const twin = await (
      await api(`/generate_grid?uniqueGridId=cropped-twin&${options}`, { method: 'POST' })
    ).json();
    expect(twin).toMatchObject({ crop: 'attention', gap: 2, background: '#ffffff' });
    expect(await download(twin.presigned_url)).toEqual(grid);
    await until(centered.status_url, (b) => b.status !== 'running');
  });

  it('a grid emptied while its build waits: failed with grid_empty', async () => {
    await addFour('emptied');
    const held = gate.hold(0);
    const started = await (await generate('emptied', preferAsync)).json();
    await held.reached;
    expect((await api('/grids/emptied', { method: 'DELETE' })).status).toBe(200);
    held.release();

    const { body } = await until(started.status_url, (b) => b.status !== 'running');
    expect(body).toMatchObject({ status: 'failed', tiles_total: 4 });
    expect((body.error as { code: string }).code).toBe('grid_empty');
  });

  it('storage failing on every run: failed with build_failed after 3 attempts', async () => {
    await addFour('flaky');
    gate.failing.add('flaky');
    try {
      const started = await (await generate('flaky', preferAsync)).json();
      const { body } = await until(started.status_url, (b) => b.status !== 'running');
      expect(body).toEqual({
        uniqueGridId: 'flaky',
        build_id: started.build_id,
        status: 'failed',
        tiles_done: 0,
        tiles_total: 4,
        error: {
          code: 'build_failed',
          message: expect.stringMatching(/3 attempts.*Storage is unavailable: test\./),
        },
      });
    } finally {
      gate.failing.delete('flaky');
    }
  });

  it('a build over the time budget answers 202 without Prefer; within it, the lab 200', async () => {
    await addFour('budget');
    const response = await generate('budget', {}, tightUrl);
    expect(response.status).toBe(202);
    expect(response.headers.get('preference-applied')).toBeNull();
    const started = await response.json();
    expect(started.status_url).toBe(`${tightUrl}/grids/budget/builds/${started.build_id}`);
    const { body } = await until(started.status_url, (b) => b.status !== 'running');
    expect(body.status).toBe('done');

    await addFour('in-budget');
    const lab = await generate('in-budget');
    expect(lab.status).toBe(200);
    expect((await lab.json()).message).toBe('built grid');
  });

  it('Prefer: respond-async, wait=N: a build expected within N s is the lab 200, never over budget', async () => {
    await addFour('waits');
    const waiting = { headers: { Prefer: 'respond-async, wait=5' } };
    const response = await generate('waits', waiting);
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBeNull();
    expect((await response.json()).message).toBe('built grid');

    await addFour('waits-tight');
    const tight = await generate('waits-tight', waiting, tightUrl);
    expect(tight.status).toBe(202);
    const started = await tight.json();
    expect((await until(started.status_url, (b) => b.status !== 'running')).body.status).toBe(
      'done',
    );
  });

  it('a repeat build at a tile size built before counts its tiles held: over the budget cold, 200 after', async () => {
    await addFour('repeat');
    const cold = await generate('repeat', {}, tinyBudgetUrl);
    expect(cold.status).toBe(202);
    const started = await cold.json();
    expect((await until(started.status_url, (b) => b.status !== 'running')).body.status).toBe(
      'done',
    );

    // Another format: another grid to build, from the same tiles.
    const repeat = await api(
      '/generate_grid?uniqueGridId=repeat&tileSize=32&format=png',
      { method: 'POST' },
      tinyBudgetUrl,
    );
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ format: 'png', cached: false });
    // Another tile size: no tile held, over the budget again.
    const resized = await api(
      '/generate_grid?uniqueGridId=repeat&tileSize=33',
      { method: 'POST' },
      tinyBudgetUrl,
    );
    expect(resized.status).toBe(202);
    await until((await resized.json()).status_url, (b) => b.status !== 'running');
  });

  it('a done build whose grid was removed: 404 build_not_found; done again once it is rebuilt', async () => {
    await addFour('removed');
    const started = await (await generate('removed', preferAsync)).json();
    const done = await until(started.status_url, (b) => b.status !== 'running');
    expect(done.body.status).toBe('done');
    // As housekeeping removes a built grid past its retention: the images stay.
    await opened.storage.objects.delete('destination', [String(done.body.key)]);
    const swept = await fetch(started.status_url);
    expect(swept.status).toBe(404);
    const { message } = expectErrorBody(await swept.json(), 'build_not_found');
    expect(message).toMatch(/removed/);
    expect(message).toContain('POST /generate_grid?uniqueGridId=removed');

    // The same request builds the same grid under the same key: the same build, done.
    const rebuilt = await generate('removed');
    expect(rebuilt.status).toBe(200);
    expect(await rebuilt.json()).toMatchObject({ key: done.body.key, cached: false });
    const again = await fetch(started.status_url);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'done', key: done.body.key });

    expect((await api('/grids/removed', { method: 'DELETE' })).status).toBe(200);
    const deleted = await fetch(started.status_url);
    expect(deleted.status).toBe(404);
    expectErrorBody(await deleted.json(), 'build_not_found');
  });

  it('an unknown build is 404 build_not_found; a malformed id 400', async () => {
    const unknown = await api('/grids/trip/builds/0123456789abcdef01234567');
    expect(unknown.status).toBe(404);
    expectErrorBody(await unknown.json(), 'build_not_found');

    const malformed = await api('/grids/trip/builds/not-a-build');
    expect(malformed.status).toBe(400);
    expectErrorBody(await malformed.json(), 'invalid_parameter', 'buildId');
  });
});
