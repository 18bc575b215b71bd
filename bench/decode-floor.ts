import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';

const DJPEG = '/usr/bin/djpeg';

/** Whether libjpeg-turbo's djpeg is here (Debian: apt-get install -y libjpeg-turbo-progs). */
export const djpegAvailable = () =>
  spawnSync(DJPEG, ['-version'], { stdio: 'ignore' }).status === 0;

/**
 * The largest DCT scale-down (1/1 to 1/8) whose short side is at least `tile` whole
 * blocks' worth: the scale the build decodes at (src/imaging/decode.ts). libjpeg would
 * give 797 px 100 rows at 1/8 (it rounds up), but those tiles differed from a full
 * decode's by 5-7/255 on photo-like images, against 1/255 for 800 px.
 */
export async function dctScale(file: string, tile: number): Promise<number> {
  const { width = 0, height = 0 } = await sharp(file).metadata();
  const short = Math.min(width, height);
  return [8, 4, 2, 1].find((scale) => short >= scale * tile) ?? 1;
}

/**
 * CPU milliseconds an image that libjpeg-turbo's own `djpeg` spends decoding each file
 * at the DCT scale the tile needs, one process per file, with the CPU of a process that
 * decodes an 8x8 JPEG subtracted (its start and exit): the decode floor that a build
 * from these files cannot go below on this machine.
 */
export async function decodeFloorMsPerImage(
  files: readonly string[],
  tile: number,
  work: string,
): Promise<number> {
  const scales = await Promise.all(files.map((file) => dctScale(file, tile)));
  const tiny = join(work, 'tiny.jpg');
  await writeFile(
    tiny,
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer(),
  );
  const decodes = files.map((file, i) => [`1/${scales[i]}`, file] as const);
  const starts = files.map(() => ['1/1', tiny] as const);
  return (childCpuMs(decodes) - childCpuMs(starts)) / files.length;
}

/** The user + system CPU of djpeg run once for each (scale, file), from bash's `times`. */
function childCpuMs(runs: readonly (readonly [string, string])[]): number {
  const list = runs.map(([scale, file]) => `${scale} ${file}`).join('\n');
  const script = `while read -r scale file; do ${DJPEG} -scale "$scale" -outfile /dev/null "$file"; done; times`;
  const result = spawnSync('bash', ['-c', script], { input: list, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`djpeg failed: ${result.stderr}`);
  // `times` prints the shell's user/system time, then its children's: "0m1.234s 0m0.567s".
  const children = result.stdout.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
    ([, m, s]) => Number(m) * 60 + Number(s),
  );
  if (seconds.length !== 2) throw new Error(`unexpected output of times: ${children}`);
  return ((seconds[0] as number) + (seconds[1] as number)) * 1000;
}

/**
 * CPU milliseconds of one sharp call that does almost nothing: a 205x128 raw image (a
 * 256 px rendition at the scale a 100 px tile decodes it) resized to 100x100, four in
 * flight, one libvips thread each, as builds run them. No decode, no file: what libvips
 * costs a call on this machine (threads handing work over, buffers allocated), below
 * which no build that makes each tile in its own sharp call can go.
 */
export async function sharpCallFloorMs(calls = 1000): Promise<number> {
  sharp.cache(false);
  sharp.concurrency(1);
  const raw = { width: 205, height: 128, channels: 3 } as const;
  const noise = { type: 'gaussian', mean: 128, sigma: 40 } as const;
  const pixels = await sharp({ create: { ...raw, background: '#000', noise } })
    .raw()
    .toBuffer();
  const call = () => sharp(pixels, { raw }).resize(100, 100, { fit: 'cover' }).raw().toBuffer();
  const limit = pLimit(4);
  await Promise.all(Array.from({ length: 100 }, () => limit(call))); // warm-up
  const start = process.cpuUsage();
  await Promise.all(Array.from({ length: calls }, () => limit(call)));
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000 / calls;
}
