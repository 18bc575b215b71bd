import { describe, expect, it } from 'vitest';
import { GridBuilderError } from '../../src/core/errors.js';
import { GridService, type GridServiceSettings } from '../../src/core/grid-service.js';
import { justifiedPlacement } from '../../src/core/layout.js';
import type { BuildRecord } from '../../src/core/ports.js';
import { buildRecord } from '../support/build-records.js';
import {
  MEMORY_SETTINGS,
  MemoryGridIndex,
  MemoryObjectStore,
  TextImaging,
  textImage,
} from '../support/memory-ports.js';
import { pauseOnce } from '../support/pause-points.js';

// Builds in the background (GridService.requestBuild, runBuild, buildStatus) over
// in-memory ports, run by the default in-process runner. Over HTTP and the real
// backends: test/http/async-builds.test.ts.

/** A service whose source reads can be held (the n-th read) or made to fail. */
function setup(settings: Partial<GridServiceSettings> = {}) {
  const objects = new MemoryObjectStore();
  const index = new MemoryGridIndex();
  const imaging = new TextImaging();
  const service = new GridService(objects, index, imaging, { ...MEMORY_SETTINGS, ...settings });
  const add = (grid: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => service.addImage(grid, textImage('jpeg', 40, 30))));
  return { objects, index, imaging, service, add };
}

/** Holds the build at its `n`-th source read (0-based), in tile order with inFlight 1. */
function heldAt(objects: MemoryObjectStore, index: MemoryGridIndex, n: number) {
  let reads = 0;
  const { port, pause } = pauseOnce(objects, 'getSource', () => reads++ === n);
  const imaging = new TextImaging();
  const service = new GridService(port, index, imaging, { ...MEMORY_SETTINGS, buildInFlight: 1 });
  return { service, imaging, pause };
}

const started = (answer: Awaited<ReturnType<GridService['requestBuild']>>) => {
  if (!('started' in answer)) throw new Error('expected a build started in the background');
  return answer.started;
};

describe('requestBuild', () => {
  it('with preferAsync: starts a build whose id is the grid version, then it is done', async () => {
    const { objects, index, service, add } = setup();
    await add('trip', 3);
    const status = started(await service.requestBuild('trip', {}, { preferAsync: true }));
    expect(status).toEqual({
      gridId: 'trip',
      buildId: expect.stringMatching(/^[0-9a-f]{24}$/),
      status: 'running',
      tilesDone: 0,
      tilesTotal: 3,
    });
    await service.whenIdle();

    const done = await service.buildStatus('trip', status.buildId);
    expect(done).toMatchObject({ status: 'done', tilesDone: 3, tilesTotal: 3 });
    expect(done.built).toMatchObject({
      key: `trip/grid-${status.buildId}.jpg`,
      columns: 1,
      rows: 3,
      imageCount: 3,
      width: 100,
      height: 300,
      tileSize: 100,
      format: 'jpeg',
      url: expect.stringContaining(`trip/grid-${status.buildId}.jpg`),
    });
    // The same grid a synchronous build makes, which now finds it stored.
    const sync = await service.buildGrid('trip');
    expect(sync).toMatchObject({ key: done.built?.key, cached: true });
    expect((await index.getBuild('trip', status.buildId))?.attempts).toBe(1);
    expect(await objects.list('destination', 'trip/')).toEqual([sync.key]);
  });

  it('answers a stored grid at once, even when async is preferred', async () => {
    const { service, add } = setup();
    await add('trip', 2);
    const first = await service.buildGrid('trip');
    const answer = await service.requestBuild('trip', {}, { preferAsync: true });
    expect(answer).toEqual({ built: { ...first, cached: true, expiresAt: expect.any(String) } });
  });

  it('builds in the request when the estimate fits the budget, in the background when not', async () => {
    const { service, add } = setup({ syncBuildSeconds: 1 });
    await add('small', 2);
    expect(await service.requestBuild('small')).toMatchObject({ built: { cached: false } });

    const tight = setup({ syncBuildSeconds: 0 });
    await tight.add('small', 2);
    expect(started(await tight.service.requestBuild('small')).status).toBe('running');
    await tight.service.whenIdle();
  });

  it('with preferAsync and a wait (RFC 7240): builds in the request what fits in it', async () => {
    const { service, add } = setup({ syncBuildSeconds: 20 });
    await add('small', 2);
    const answer = await service.requestBuild('small', {}, { preferAsync: true, waitSeconds: 5 });
    expect(answer).toMatchObject({ built: { cached: false } });
    // Never longer than the budget, whatever the client would wait.
    const tight = setup({ syncBuildSeconds: 0 });
    await tight.add('small', 2);
    const long = { preferAsync: true, waitSeconds: 600 };
    expect(started(await tight.service.requestBuild('small', {}, long)).status).toBe('running');
    await tight.service.whenIdle();
  });

  it('an identical request while the build runs gets the same build, not a second one', async () => {
    const { objects, index, add } = setup();
    await add('trip', 3);
    const { service, imaging, pause } = heldAt(objects, index, 1);
    const first = started(await service.requestBuild('trip', {}, { preferAsync: true }));
    await pause.reached;

    const again = started(await service.requestBuild('trip', {}, { preferAsync: true }));
    expect(again.buildId).toBe(first.buildId);
    // Progress: the first tile is written at once, while the second is held.
    expect(await service.buildStatus('trip', first.buildId)).toMatchObject({
      status: 'running',
      tilesDone: 1,
      tilesTotal: 3,
    });
    pause.release();
    await service.whenIdle();
    expect(imaging.composed).toHaveLength(1);
    expect((await service.buildStatus('trip', first.buildId)).status).toBe('done');
  });

  it('other options are another build', async () => {
    const { service, add } = setup();
    await add('trip', 2);
    const a = started(await service.requestBuild('trip', {}, { preferAsync: true }));
    const b = started(await service.requestBuild('trip', { format: 'png' }, { preferAsync: true }));
    expect(a.buildId).not.toBe(b.buildId);
    await service.whenIdle();
  });

  it('refuses what a synchronous build refuses before recording anything', async () => {
    const { index, service } = setup();
    await expect(service.requestBuild('empty', {}, { preferAsync: true })).rejects.toMatchObject({
      code: 'grid_empty',
    });
    expect(index.builds.size).toBe(0);
  });

  it('more background builds than allowed: overloaded, and that build is not left running', async () => {
    const { objects, index, add } = setup();
    await add('a', 2);
    await add('b', 2);
    let reads = 0;
    const { port, pause } = pauseOnce(objects, 'getSource', () => reads++ === 0);
    const service = new GridService(port, index, new TextImaging(), {
      ...MEMORY_SETTINGS,
      maxBackgroundBuilds: 1,
    });
    await service.requestBuild('a', {}, { preferAsync: true });
    await pause.reached;
    const refused = service.requestBuild('b', {}, { preferAsync: true });
    await expect(refused).rejects.toMatchObject({ kind: 'overloaded' });
    const [record] = [...index.builds.values()].filter((r) => r.gridId === 'b');
    expect(record).toMatchObject({ status: 'failed', error: { code: 'overloaded' } });
    pause.release();
    await service.whenIdle();

    // Asked again, it starts anew.
    const retried = started(await service.requestBuild('b', {}, { preferAsync: true }));
    expect(retried.status).toBe('running');
    await service.whenIdle();
    expect((await service.buildStatus('b', retried.buildId)).status).toBe('done');
  });
});

describe('runBuild', () => {
  const record = (over: Partial<BuildRecord> = {}): BuildRecord => {
    const now = new Date().toISOString();
    return buildRecord({ attempts: 0, createdAt: now, updatedAt: now, ...over });
  };
  const later = () => new Date(Date.now() + 60_000);

  it('returns at once for a build that is not running, or not recorded', async () => {
    const { index, service, imaging } = setup();
    const done = record({ status: 'done', key: 'trip/grid-x.jpg', attempts: 1 });
    await index.putBuild(done, later());
    await service.runBuild('trip', done.buildId);
    await service.runBuild('trip', 'bbbbbbbbbbbbbbbbbbbbbbbb');
    expect(await index.getBuild('trip', done.buildId)).toEqual(done);
    expect(imaging.composed).toHaveLength(0);
  });

  it("a grid emptied before the run: failed with the synchronous build's grid_empty", async () => {
    const { index, service } = setup();
    await index.putBuild(record(), later());
    await service.runBuild('trip', 'aaaaaaaaaaaaaaaaaaaaaaaa');
    expect(await index.getBuild('trip', 'aaaaaaaaaaaaaaaaaaaaaaaa')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'grid_empty', message: expect.stringContaining('has no images') },
    });
  });

  it('rethrows a storage failure before the last run, and records build_failed on it', async () => {
    const { objects, index, add } = setup();
    await add('trip', 2);
    const failing = new Proxy(objects, {
      get(target, name, receiver) {
        if (name !== 'getSource') return Reflect.get(target, name, receiver);
        return async () => {
          throw new GridBuilderError('storage_unavailable', 'Storage is unavailable: test.');
        };
      },
    });
    const service = new GridService(failing, index, new TextImaging(), MEMORY_SETTINGS);
    await index.putBuild(record(), later());
    const run = () => service.runBuild('trip', 'aaaaaaaaaaaaaaaaaaaaaaaa');

    await expect(run()).rejects.toMatchObject({ kind: 'storage_unavailable' });
    await expect(run()).rejects.toMatchObject({ kind: 'storage_unavailable' });
    expect(await index.getBuild('trip', 'aaaaaaaaaaaaaaaaaaaaaaaa')).toMatchObject({
      status: 'running',
      attempts: 2,
    });
    await run();
    expect(await index.getBuild('trip', 'aaaaaaaaaaaaaaaaaaaaaaaa')).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: {
        code: 'build_failed',
        message: expect.stringMatching(/3 attempts.*Storage is unavailable: test\..*again/),
      },
    });
  });

  it('the in-process runner retries a throw: a failure that passes ends done', async () => {
    const { objects, index, add } = setup();
    await add('trip', 2);
    let failures = 1;
    const flaky = new Proxy(objects, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'getSource') return value;
        return async (key: string) => {
          if (failures-- > 0) throw new GridBuilderError('storage_unavailable', 'flaky');
          return value.call(target, key);
        };
      },
    });
    const service = new GridService(flaky, index, new TextImaging(), MEMORY_SETTINGS);
    const status = started(await service.requestBuild('trip', {}, { preferAsync: true }));
    await service.whenIdle();
    expect(await index.getBuild('trip', status.buildId)).toMatchObject({
      status: 'done',
      attempts: 2,
      tilesDone: 2,
    });
  });
});

describe('buildStatus', () => {
  it('unknown build: build_not_found; malformed id: invalid_parameter', async () => {
    const { service } = setup();
    await expect(service.buildStatus('trip', 'aaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toMatchObject({
      kind: 'not_found',
      code: 'build_not_found',
    });
    await expect(service.buildStatus('trip', 'nope')).rejects.toMatchObject({
      code: 'invalid_parameter',
      param: 'buildId',
    });
  });

  it('a running build with no progress for buildStallSeconds is reported failed: build_stalled', async () => {
    const { index, service } = setup({ buildStallSeconds: 60 });
    const old = new Date(Date.now() - 61_000).toISOString();
    await index.putBuild(
      {
        gridId: 'trip',
        buildId: 'cccccccccccccccccccccccc',
        status: 'running',
        tilesDone: 5,
        tilesTotal: 9,
        options: {
          tileSize: 100,
          columns: 3,
          format: 'jpeg',
          crop: 'center',
          gap: 0,
          background: '#000000',
          layout: 'grid' as const,
          width: 300,
          labels: 'none' as const,
        },
        attempts: 1,
        createdAt: old,
        updatedAt: old,
      },
      new Date(Date.now() + 60_000),
    );
    expect(await service.buildStatus('trip', 'cccccccccccccccccccccccc')).toEqual({
      gridId: 'trip',
      buildId: 'cccccccccccccccccccccccc',
      status: 'failed',
      tilesDone: 5,
      tilesTotal: 9,
      error: { code: 'build_stalled', message: expect.stringContaining('start it again') },
    });
  });
});

describe('a build recorded before its options could be chosen', () => {
  it('is reported with the defaults it was built with: centered, no gap, on black', async () => {
    const { objects, index, service } = setup();
    const now = new Date().toISOString();
    const options = { tileSize: 100, columns: 2, format: 'png' } as BuildRecord['options'];
    // Its grid still stored: a done build whose grid is gone is not found.
    await objects.put(
      'destination',
      'trip/grid-dddddddddddddddddddddddd.png',
      Buffer.from('png'),
      'image/png',
    );
    await index.putBuild(
      {
        gridId: 'trip',
        buildId: 'dddddddddddddddddddddddd',
        status: 'done',
        tilesDone: 3,
        tilesTotal: 3,
        options,
        key: 'trip/grid-dddddddddddddddddddddddd.png',
        attempts: 1,
        createdAt: now,
        updatedAt: now,
      },
      new Date(Date.now() + 60_000),
    );
    const { built } = await service.buildStatus('trip', 'dddddddddddddddddddddddd');
    expect(built).toMatchObject({
      width: 200,
      height: 200,
      rows: 2,
      crop: 'center',
      gap: 0,
      background: '#000000',
      layout: 'grid',
    });
  });
});

describe('a justified build in the background', () => {
  it('carries its layout and width in its record, and reports the rows it made', async () => {
    const { service, index } = setup();
    for (const [width, height] of [
      [40, 30],
      [30, 40],
      [80, 20],
    ] as const) {
      await service.addImage('trip', textImage('jpeg', width, height));
    }
    const options = { layout: 'justified', width: 90, tileSize: 20 } as const;
    const { buildId } = started(await service.requestBuild('trip', options, { preferAsync: true }));
    expect(await index.getBuild('trip', buildId)).toMatchObject({
      options: { layout: 'justified', width: 90, tileSize: 20 },
    });
    await service.whenIdle();
    const { built } = await service.buildStatus('trip', buildId);
    const placement = justifiedPlacement([4 / 3, 3 / 4, 4], { width: 90, rowHeight: 20, gap: 0 });
    expect(built).toMatchObject({
      layout: 'justified',
      width: 90,
      height: placement.height,
      rows: placement.rows,
      columns: placement.columns,
    });
    // The same request once done: the stored grid, the same size.
    const again = await service.requestBuild('trip', options, { preferAsync: true });
    expect(again).toMatchObject({ built: { cached: true, height: placement.height } });
  });
});

describe('resumeBuilds', () => {
  /** A build of `trip` a first service began and left running, held at its second tile. */
  async function leftRunning() {
    const { objects, index, add } = setup();
    await add('trip', 3);
    const first = heldAt(objects, index, 1);
    const { buildId } = started(
      await first.service.requestBuild('trip', {}, { preferAsync: true }),
    );
    await first.pause.reached;
    const record = await index.getBuild('trip', buildId);
    if (!record) throw new Error('expected the build recorded');
    // The first service is gone; let its held read go only once the test is over.
    const done = async () => {
      first.pause.release();
      await first.service.whenIdle();
    };
    return { objects, index, record, done };
  }

  it('runs again a build an earlier process left running, to done', async () => {
    const { objects, index, record, done } = await leftRunning();
    expect(record).toMatchObject({ status: 'running', attempts: 1 });
    const service = new GridService(objects, index, new TextImaging(), MEMORY_SETTINGS);

    expect(await service.resumeBuilds()).toBe(1);
    await service.whenIdle();
    expect(await service.buildStatus('trip', record.buildId)).toMatchObject({
      status: 'done',
      tilesDone: 3,
    });
    expect((await index.getBuild('trip', record.buildId))?.attempts).toBe(2);
    await done();
  });

  it('leaves a stalled build stalled, and records one that used its runs as failed', async () => {
    const { objects, index, record, done } = await leftRunning();
    const service = new GridService(objects, index, new TextImaging(), MEMORY_SETTINGS);
    const stalledAt = new Date(Date.now() - 961_000).toISOString();
    await index.putBuild({ ...record, updatedAt: stalledAt }, new Date(Date.now() + 3_600_000));

    expect(await service.resumeBuilds()).toBe(0);
    expect((await index.getBuild('trip', record.buildId))?.updatedAt).toBe(stalledAt);

    await index.putBuild({ ...record, attempts: 3 }, new Date(Date.now() + 3_600_000));
    expect(await service.resumeBuilds()).toBe(0);
    expect(await service.buildStatus('trip', record.buildId)).toMatchObject({
      status: 'failed',
      error: { code: 'build_failed', message: expect.stringMatching(/server stopped/) },
    });
    await done();
  });
});
