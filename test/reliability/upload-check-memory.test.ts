import { readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newDataDir } from './support/data-dir.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

const MiB = 2 ** 20;
/**
 * The upload checks' decoder budget (1 GiB, src/imaging/image-probe.ts) and room for the
 * rest of the server. Before the budget, eight of these uploads at once took the
 * server to about 2.5 GB (four checks of about 620 MB each).
 */
const PEAK_GROWTH_BOUND = 1024 * MiB + 256 * MiB;

/** The server's peak resident memory so far (Linux /proc: VmHWM). */
const peakRss = (server: ServerProcess) => {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
};

let server: ServerProcess;
let progressive: Buffer;
const dataDir = newDataDir('upload-check-memory');

beforeAll(async () => {
  // 100 MP (the default MAX_INPUT_PIXELS) in about 590 KB: a progressive JPEG's decoder
  // holds every coefficient of the image (3 bytes a pixel at 4:2:0), whatever the scale.
  progressive = await sharp({
    create: { width: 10_000, height: 10_000, channels: 3, background: '#c03030' },
  })
    .jpeg({ progressive: true })
    .toBuffer();
  // No queue timeout: every upload is checked (none answered 503), however slow the machine.
  server = await startServerProcess({ DATA_DIR: dataDir, QUEUE_TIMEOUT_MS: '600000' });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const upload = (body: Buffer) =>
  fetch(`${server.url}/add_image?uniqueGridId=huge`, {
    method: 'POST',
    body: new Uint8Array(body),
  });

describe('upload checks of huge progressive JPEGs', () => {
  test('are still complete: a whole one is accepted, a truncated one refused', async () => {
    const whole = await upload(progressive);
    expect(whole.status).toBe(200);
    expect(await whole.json()).toMatchObject({ width: 10_000, height: 10_000, format: 'jpeg' });

    const truncated = await upload(progressive.subarray(0, Math.floor(progressive.length * 0.9)));
    expect(truncated.status).toBe(422);
    expect((await truncated.json()).message).toMatch(/truncated or corrupt/);
  });

  test('eight at once stay within the decoder budget', async () => {
    const before = server.rss(); // peaks earlier in the file (one check at most) count too
    const answers = await Promise.all(Array.from({ length: 8 }, () => upload(progressive)));
    const growth = peakRss(server) - before;
    console.log(
      `RSS ${(before / MiB).toFixed(0)} MB, peak +${(growth / MiB).toFixed(0)} MB for 8 uploads of 100 MP (bound +${PEAK_GROWTH_BOUND / MiB} MB)`,
    );
    expect(growth).toBeLessThan(PEAK_GROWTH_BOUND);
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
  });
});
