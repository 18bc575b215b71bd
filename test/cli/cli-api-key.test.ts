import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeaderRecorder, startHeaderRecorder } from '../support/header-recorder.js';
import { BLUE, GREEN, noisyPng, RED, solidImage } from '../support/images.js';
import { idMadeAgo } from '../support/leftovers.js';
import { useTestServer } from '../support/local-server.js';
import { CLI, runCli, useCli } from '../support/run-cli.js';

const KEY = 'cli-test-key-0123456789abcdef';
const OTHER_KEY = 'not-the-key-0123456789abcdef';

// Builds in the background (SYNC_BUILD_SECONDS=0), to see that the status polls carry the key.
const server = useTestServer({
  API_KEYS: `some-other-key-0123456789,${KEY}`,
  SYNC_BUILD_SECONDS: '0',
});
let front: HeaderRecorder;
const { work, gridbuilder } = useCli(() => front.url);
const photos = join(work, 'photos');

beforeAll(async () => {
  front = await startHeaderRecorder(server.url);
  mkdirSync(photos);
  writeFileSync(join(photos, '1-red.jpg'), await solidImage(RED, 120, 90));
  writeFileSync(join(photos, '2-green.jpg'), await solidImage(GREEN, 90, 120));
  // Over 4 MB: the two-step upload, through a presigned PUT.
  writeFileSync(join(photos, '3-big.png'), await noisyPng());
});
afterAll(async () => {
  await front?.stop();
});

describe('a server with API_KEYS', () => {
  it('without a key: exit 4, and how to pass a key', async () => {
    const ls = await gridbuilder('ls', 'trip');
    expect(ls.code).toBe(4);
    expect(ls.stderr).toBe(
      'error: This server needs an API key: pass --api-key KEY or set GRIDBUILDER_API_KEY.\n',
    );

    // add stops at the first refusal and says so once, not once a file.
    const add = await gridbuilder('add', 'trip', [photos]);
    expect(add.code).toBe(4);
    expect(add.stderr.match(/This server needs an API key/g)).toHaveLength(1);
    expect(add.stdout).toBe('');
  });

  it('with a wrong key: exit 4, and that the key was refused', async () => {
    const result = await gridbuilder('build', 'trip', ['--api-key', OTHER_KEY], {
      cwd: work,
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(
      'error: The API key given (--api-key or GRIDBUILDER_API_KEY) was refused: check it.\n',
    );
    expect(result.stderr).not.toMatch(/Authorization|Bearer/); // the API's words
    const json = await gridbuilder('ls', 'trip', ['--json'], {
      env: { GRIDBUILDER_API_KEY: OTHER_KEY },
    });
    expect(json.code).toBe(4);
    expect(json.stdout).toBe('');
  });

  it('with --api-key: adds (two-step upload included) and builds; no key on presigned links', async () => {
    front.requests.length = 0;
    const add = await gridbuilder('add', 'trip', [photos, '--concurrency', '1', '--api-key', KEY]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('Added 3 of 3 images to grid trip');

    const out = join(work, 'trip.png');
    const build = await gridbuilder('build', 'trip', [
      '--tile-size',
      '40',
      '--format',
      'png',
      '-o',
      out,
      '--api-key',
      KEY,
    ]);
    expect(build.code).toBe(0);
    expect(await sharp(readFileSync(out)).metadata()).toMatchObject({ width: 40, height: 120 });

    const seen = front.requests.map((r) => `${r.method} ${r.path} ${r.authorization ?? '-'}`);
    // The build goes on in the background: its status is an API route, asked with the key.
    const polls = seen.filter((request) => request.startsWith('GET /grids/trip/builds/'));
    expect(polls.length).toBeGreaterThan(0);
    for (const poll of polls) {
      expect(poll).toMatch(new RegExp(`^GET /grids/trip/builds/[0-9a-f]{24} Bearer ${KEY}$`));
    }
    expect(seen.filter((request) => !polls.includes(request))).toEqual([
      `POST /add_image Bearer ${KEY}`,
      `POST /add_image Bearer ${KEY}`,
      `POST /grids/trip/uploads Bearer ${KEY}`,
      expect.stringMatching(/^PUT \/files\/source\/_uploads\/trip\/[0-9A-Z]{26} -$/),
      expect.stringMatching(
        new RegExp(`^POST /grids/trip/uploads/[0-9A-Z]{26}/confirm Bearer ${KEY}$`),
      ),
      `POST /generate_grid Bearer ${KEY}`,
      expect.stringMatching(/^GET \/files\/destination\/trip\/grid-[^ ]+ -$/),
    ]);
  });

  it('with GRIDBUILDER_API_KEY: lists and removes', async () => {
    const env = { GRIDBUILDER_API_KEY: KEY };
    const ls = await gridbuilder('ls', 'trip', ['--json'], { env });
    expect(ls.code).toBe(0);
    const listing = JSON.parse(ls.stdout);
    expect(listing.image_count).toBe(3);

    const rm = await gridbuilder('rm', 'trip', [listing.images[0].image_id], { env });
    expect(rm.code).toBe(0);
    const after = JSON.parse((await gridbuilder('ls', 'trip', ['--json'], { env })).stdout);
    expect(after.image_count).toBe(2);
  });
});

describe('gridbuilder serve --api-key', () => {
  it('starts a server that asks for that key', async () => {
    const dataDir = join(work, 'serve-data');
    const child = spawn(
      process.execPath,
      [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--api-key', KEY],
      { env: { ...process.env, API_KEYS: '', LOG_LEVEL: 'info' } },
    );
    try {
      const served = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk;
          const match = /"url":"(http:[^"]+)"/.exec(output);
          if (match) resolve(match[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${output}`)));
      });
      const list = (key?: string) =>
        fetch(`${served}/grids/none`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      expect((await list()).status).toBe(401);
      expect((await list(OTHER_KEY)).status).toBe(401);
      expect((await list(KEY)).status).not.toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('gridbuilder gc', () => {
  const sourceFile = (key: string) => join(server.dataDir, 'objects', 'source', key);

  it('removes an unrecorded object older than the grace period and keeps a newer one', async () => {
    const listing = JSON.parse(
      (await gridbuilder('ls', 'trip', ['--json', '--api-key', KEY])).stdout,
    );
    const recorded: string[] = listing.images.map((image: { key: string }) => image.key);
    expect(recorded).toHaveLength(2);

    // What a crash between storing an image and recording it leaves behind, made two
    // hours and one minute ago (the sweep reads an object's age from the id in its key).
    const jpeg = await solidImage(BLUE);
    const oldLeftover = `trip/${idMadeAgo(7200_000)}.jpg`;
    const newLeftover = `trip/${idMadeAgo(60_000)}.jpg`;
    for (const key of [oldLeftover, newLeftover]) {
      mkdirSync(dirname(sourceFile(key)), { recursive: true });
      writeFileSync(sourceFile(key), jpeg);
    }

    const gc = await runCli([
      'gc',
      '--data-dir',
      server.dataDir,
      '--grace-seconds',
      '3600',
      '--json',
    ]);
    expect(gc.stderr).toBe('');
    expect(gc.code).toBe(0);
    expect(JSON.parse(gc.stdout)).toEqual({
      storage: 'local',
      dataDir: server.dataDir,
      graceSeconds: 3600,
      gridRetentionDays: 30,
      unrecordedImages: [oldLeftover],
      unrecordedRenditions: [],
      abandonedUploads: [],
      orphanedGrids: [],
      expiredGrids: [],
      tempFiles: 0,
      expiredBuilds: 0,
    });
    expect(existsSync(sourceFile(oldLeftover))).toBe(false);
    expect(existsSync(sourceFile(newLeftover))).toBe(true);
    for (const key of recorded) expect(existsSync(sourceFile(key))).toBe(true);

    // The grid is whole: it still builds from its two images.
    const build = await gridbuilder(
      'build',
      'trip',
      ['--tile-size', '20', '--json', '--api-key', KEY],
      {
        cwd: work,
      },
    );
    expect(build.code).toBe(0);
    expect(JSON.parse(build.stdout).image_count).toBe(2);

    // With a grace period the newer leftover and the recorded images are all older
    // than, a sweep in words removes the leftover: a recorded image's age alone never
    // gets it removed.
    const again = await runCli(['gc', '--data-dir', server.dataDir, '--grace-seconds', '0']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      'removed 1 unrecorded image, 0 renditions of unrecorded images, 0 unconfirmed uploads',
    );
    expect(again.stdout).toContain(newLeftover);
    expect(existsSync(sourceFile(newLeftover))).toBe(false);
    for (const key of recorded) expect(existsSync(sourceFile(key))).toBe(true);
  });

  it('refuses a data folder that does not exist, and a bad grace period (exit 2)', async () => {
    const missing = await runCli(['gc', '--data-dir', join(work, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No data folder at');
    expect(existsSync(join(work, 'nowhere'))).toBe(false);

    const negative = await runCli(['gc', '--data-dir', server.dataDir, '--grace-seconds', '-5']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('must be a whole number of 0 or more');
  });
});
