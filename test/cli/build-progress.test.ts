import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type HeaderRecorder, startHeaderRecorder } from '../support/header-recorder.js';
import { buildHolds } from '../support/held-builds.js';
import { BLUE, GREEN, RED, solidImage, YELLOW } from '../support/images.js';
import { removeDataDir, startTestServer, type TestServer } from '../support/local-server.js';
import { runCliInTerminal, useCli } from '../support/run-cli.js';

const holds = buildHolds();
let server: TestServer;
/** In front of the server, to see the CLI poll its build. */
let front: HeaderRecorder;
const { work, gridbuilder } = useCli(() => front.url);

beforeAll(async () => {
  // Every build in the background: these grids are small enough for the CLI's wait=2.
  server = await startTestServer({ SYNC_BUILD_SECONDS: '0' }, undefined, undefined, holds.imaging);
  front = await startHeaderRecorder(server.url);
  for (const grid of ['waits', 'waits-tty', 'goes']) {
    for (const colour of [RED, GREEN, BLUE, YELLOW]) {
      expect((await server.addImage(grid, await solidImage(colour, 40, 30))).status).toBe(200);
    }
  }
});
afterAll(async () => {
  await front?.stop();
  await server?.close();
  if (server) removeDataDir(server);
});

/** Resolves once the CLI has asked for the status of a build of `grid`. */
const polled = (grid: string) =>
  expect
    .poll(() => front.requests.some((r) => r.path.startsWith(`/grids/${grid}/builds/`)), {
      timeout: 30_000,
    })
    .toBe(true);

describe('gridbuilder build, when the server builds in the background', () => {
  it('waits for the build, a line at each tenth of the way on stderr, and saves it', async () => {
    const hold = holds.holdNextBuild();
    onTestFinished(hold.release); // a failed test leaves no build held
    const out = join(work, 'waits.png');
    const running = gridbuilder('build', 'waits', ['-t', '20', '-c', '4', '-f', 'png', '-o', out]);
    await hold.reached;
    await polled('waits');
    hold.release();
    const result = await running;

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Saved ${out}: 80x20 px`));
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^Building grid waits: [0-3] of 4 tiles \(\d+%\)$/);
    expect(lines.at(-1)).toBe('Building grid waits: 4 of 4 tiles (100%)');
    expect(new Set(lines).size).toBe(lines.length);
    expect(await sharp(readFileSync(out)).metadata()).toMatchObject({ width: 80, height: 20 });
  });

  it('draws a progress bar on a terminal', async () => {
    const hold = holds.holdNextBuild();
    onTestFinished(hold.release); // a failed test leaves no build held
    const out = join(work, 'waits-tty.jpg');
    const running = runCliInTerminal([
      'build',
      '--grid',
      'waits-tty',
      '-t',
      '20',
      '-o',
      out,
      '--url',
      front.url,
    ]);
    await hold.reached;
    await polled('waits-tty');
    hold.release();
    const result = await running;

    expect(result.code).toBe(0);
    expect(result.output).toMatch(/Building .* 4\/4 tiles/);
    expect(result.output).toContain(`Saved ${out}: 40x40 px`);
  });

  it("says why a build in the background failed, in the CLI's words, and exits 1", async () => {
    const hold = holds.holdNextBuild();
    onTestFinished(hold.release); // a failed test leaves no build held
    const running = gridbuilder('build', 'goes', ['-t', '20', '-o', join(work, 'goes.jpg')]);
    await hold.reached;
    await polled('goes');
    // The images go while the build waits for its last one: it cannot be finished.
    expect((await fetch(`${server.url}/grids/goes`, { method: 'DELETE' })).status).toBe(200);
    hold.release();
    const result = await running;

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: Grid goes has no images yet: add some first with gridbuilder add PHOTOS --grid goes.\n',
    );
  });
});
