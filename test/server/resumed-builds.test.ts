import sharp from 'sharp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildHolds } from '../support/held-builds.js';
import { BLUE, GREEN, RED, solidImage, YELLOW } from '../support/images.js';
import { type TestServer, useTestServers } from '../support/local-server.js';

// A build answered 202 is acknowledged: a server stopped before it is done (SIGTERM past
// the grace, or a crash) must not lose it. The next server on the same DATA_DIR runs it.

const servers = useTestServers();
// Every build in the background, however small.
const env = { SYNC_BUILD_SECONDS: '0', RENDITION_SIZES: '' };

/** A server whose next build is held before its last tile, with `grid` of four images. */
async function serverWithHeldBuild(grid: string) {
  const holds = buildHolds();
  const server = await servers.start(env, undefined, undefined, holds.imaging);
  for (const colour of [RED, GREEN, BLUE, YELLOW]) {
    expect((await server.addImage(grid, await solidImage(colour, 40, 30))).status).toBe(200);
  }
  const hold = holds.holdNextBuild();
  // The abandoned build ends once released, so nothing of it outlives the file.
  onTestFinished(hold.release);
  const answer = await server.generateGrid(grid, { tileSize: 20, columns: 2 });
  expect(answer.status).toBe(202);
  const { status_url: statusUrl } = await answer.json();
  await hold.reached;
  return { server, statusPath: new URL(statusUrl).pathname };
}

/** The build's status on `server` once it is no longer running, or after 10 s, running. */
async function outcome(server: TestServer, statusPath: string) {
  const giveUp = Date.now() + 10_000;
  for (;;) {
    const body = await (await fetch(`${server.url}${statusPath}`)).json();
    if (body.status !== 'running' || Date.now() > giveUp) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a build answered 202 when the server stops', () => {
  it('shutdown returns within its grace while the build is held', async () => {
    const { server } = await serverWithHeldBuild('held');
    const began = Date.now();
    await server.shutdown(300);
    expect(Date.now() - began).toBeLessThan(2_000);
  }, 10_000);

  it('close returns at once while the build is held', async () => {
    const { server } = await serverWithHeldBuild('closed');
    const began = Date.now();
    await server.close();
    expect(Date.now() - began).toBeLessThan(1_000);
  }, 10_000);

  it('is resumed by the next server on the same DATA_DIR, and ends done', async () => {
    const { server, statusPath } = await serverWithHeldBuild('resumed');
    await server.shutdown(100);

    const next = await servers.start(env, server.dataDir);
    const body = await outcome(next, statusPath);
    expect(body).toMatchObject({ status: 'done', tiles_done: 4, tiles_total: 4 });
    const grid = Buffer.from(await (await fetch(body.presigned_url)).arrayBuffer());
    expect(await sharp(grid).metadata()).toMatchObject({ width: 40, height: 40 });
  }, 20_000);
});
