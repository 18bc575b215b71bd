import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ApiClient, ApiError } from '../../src/client/api-client.js';
import { fetchTransport } from '../../src/client/fetch-transport.js';
import {
  type HeaderRecorder,
  type Intercepted,
  startHeaderRecorder,
} from '../support/header-recorder.js';
import { buildHolds } from '../support/held-builds.js';
import { BLUE, GREEN, near, pixelAt, RED, solidImage } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';

const holds = buildHolds();
let server: TestServer;
let front: HeaderRecorder;
/** What the front does instead of forwarding the next status polls, one each. */
const pollFaults: Intercepted[] = [];

beforeAll(async () => {
  // Every build in the background: these grids are small enough for the client's wait=2.
  server = await startTestServer({ SYNC_BUILD_SECONDS: '0' }, undefined, undefined, holds.imaging);
  front = await startHeaderRecorder(server.url, (request) =>
    request.method === 'GET' && request.path.includes('/builds/') ? pollFaults.shift() : undefined,
  );
});
afterAll(async () => {
  await front?.stop();
  await server?.close();
  if (server) removeDataDir(server);
});

const client = (pollRetryMs?: number[]) =>
  new ApiClient({
    baseUrl: front.url,
    pollRetryMs,
    transport: fetchTransport(),
    words: {
      failure: (failure, about) => `${failure.body?.code} on ${about.grid}`,
      unreachable: () => 'gone',
    },
  });

/** Adds red, green and blue images to `grid`, in that order. */
async function addColours(api: ApiClient, grid: string): Promise<void> {
  for (const colour of [RED, GREEN, BLUE]) {
    await api.upload(grid, new Uint8Array(await solidImage(colour, 40, 30)));
  }
}

/** Progress as the client reports it; `seen(n)` resolves once it was reported n times. */
function progressLog() {
  const calls: [number, number][] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    calls,
    onProgress(done: number, total: number) {
      calls.push([done, total]);
      for (const waiter of waiters) if (calls.length >= waiter.count) waiter.resolve();
    },
    seen: (count: number) => new Promise<void>((resolve) => waiters.push({ count, resolve })),
  };
}

const statusPolls = (grid: string) =>
  front.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/grids/${grid}/builds/`));

describe('a build the server runs in the background', () => {
  it('asks for it, follows its progress until done, and returns what a 200 would', async () => {
    const api = client();
    await addColours(api, 'async-client');
    const hold = holds.holdNextBuild();
    onTestFinished(hold.release); // a failed test leaves no build held
    const progress = progressLog();
    front.requests.length = 0;
    const building = api.buildGrid(
      'async-client',
      { tileSize: 20, columns: 3, format: 'png' },
      { onProgress: progress.onProgress },
    );
    await hold.reached;
    // The 202's progress, then a poll of the status_url that still found it running.
    await progress.seen(2);
    expect(statusPolls('async-client').length).toBeGreaterThan(0);
    hold.release();
    const built = await building;

    expect(progress.calls.at(-1)).toEqual([3, 3]);
    for (const [done, total] of progress.calls.slice(0, -1)) {
      expect(total).toBe(3);
      expect(done).toBeLessThan(3);
    }
    expect(front.requests[0]).toMatchObject({ method: 'POST', path: '/generate_grid' });
    expect(built).toMatchObject({ message: 'built grid', width: 60, height: 20, image_count: 3 });
    const grid = Buffer.from(await api.download(built.presigned_url));
    for (const [x, colour] of [
      [10, RED],
      [30, GREEN],
      [50, BLUE],
    ] as const) {
      expect(near(await pixelAt(grid, x, 10), colour)).toBe(true);
    }

    // The same build again is the grid built: a 200 with the very same fields, no progress.
    const again = progressLog();
    const cached = await api.buildGrid(
      'async-client',
      { tileSize: 20, columns: 3, format: 'png' },
      { onProgress: again.onProgress },
    );
    expect(again.calls).toEqual([]);
    expect(Object.keys(built).sort()).toEqual(Object.keys(cached).sort());
    expect(cached).toMatchObject({ key: built.key, cached: true });
  });

  it('throws the failed build’s error in the place’s words', async () => {
    const api = client();
    await addColours(api, 'async-fails');
    const hold = holds.holdNextBuild();
    onTestFinished(hold.release); // a failed test leaves no build held
    const progress = progressLog();
    const building = api
      .buildGrid('async-fails', { tileSize: 20 }, { onProgress: progress.onProgress })
      .catch((e: unknown) => e);
    await hold.reached;
    await progress.seen(1); // the 202: the build goes on without the request
    // The images go while the build waits for its last one: it cannot be finished.
    await api.deleteGrid('async-fails');
    hold.release();
    const error = await building;
    expect(error).toBeInstanceOf(ApiError);
    // Its next attempt finds no images. The answer that said so was a 200: the status's.
    expect(error).toMatchObject({ status: 200, code: 'grid_empty' });
    expect((error as ApiError).message).toBe('grid_empty on async-fails');
  });

  it('rides out status polls that fail for a moment: a 503, a dropped connection', async () => {
    const api = client([10, 10, 10, 10, 10]);
    await addColours(api, 'async-flaky');
    const busy = {
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '0' },
      body: JSON.stringify({ message: 'storage slow', code: 'storage_unavailable' }),
    };
    pollFaults.push(busy, 'drop', busy);
    onTestFinished(() => {
      pollFaults.length = 0;
    });
    front.requests.length = 0;
    const built = await api.buildGrid('async-flaky', { tileSize: 20, format: 'png' });
    expect(built).toMatchObject({ message: 'built grid', image_count: 3 });
    expect(pollFaults).toEqual([]);
    expect(statusPolls('async-flaky').length).toBeGreaterThanOrEqual(4);
  });

  it('gives up on polls that keep failing, with the last failure', async () => {
    const api = client([10, 10, 10]);
    await addColours(api, 'async-down');
    const down = {
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '0' },
      body: JSON.stringify({ message: 'storage down', code: 'storage_unavailable' }),
    };
    pollFaults.push(...Array(20).fill(down));
    onTestFinished(() => {
      pollFaults.length = 0;
    });
    const error = await api.buildGrid('async-down', { tileSize: 20 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, code: 'storage_unavailable' });
    // The first poll and three retries: it stopped asking.
    expect(pollFaults.length).toBe(20 - 4);
  });
});
