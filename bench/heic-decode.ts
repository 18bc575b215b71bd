import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { median, runJsonChild, TSX } from './child.js';
import type { PhotoSets } from './photos.js';
import type { Row } from './report.js';

const WORKLOAD = 'HEIC decode, 12 MP';
const MB = 1024 * 1024;

/**
 * One 12 MP photo (4032x3024, an iPhone's) decoded to raw pixels, as a HEIC by libheif
 * (WebAssembly, on its decoder thread) against the same photo as a JPEG by sharp: time
 * a decode (median of the warm runs; the first, which starts the thread and compiles
 * libheif, in the note) and the peak memory of a process doing nothing else. The HEIC is
 * made here by heif-enc (Debian: libheif-examples); without it the row says so.
 */
export async function runHeicDecodeWorkload(
  work: string,
  photos: PhotoSets,
  quick: boolean,
): Promise<Row[]> {
  if (spawnSync('heif-enc', ['--help'], { stdio: 'ignore' }).error) {
    console.error(`${WORKLOAD}: skipped, no heif-enc (apt-get install libheif-examples)`);
    return [{ workload: WORKLOAD, variant: '(skipped)', note: 'no heif-enc to make the HEIC' }];
  }
  console.error(`Workload ${WORKLOAD}...`);
  const jpeg = join(work, 'heic-12mp.jpg');
  const heic = join(work, 'heic-12mp.heic');
  await sharp(photos.large[0])
    .autoOrient()
    .resize(4032, 3024, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toFile(jpeg);
  await promisify(execFile)('heif-enc', ['-q', '50', jpeg, '-o', heic]);
  const runs = String(quick ? 4 : 8);
  const [fromHeic, fromJpeg] = [
    await runJsonChild([...TSX, 'bench/heic-decode-child.ts', 'heic', heic, runs]),
    await runJsonChild([...TSX, 'bench/heic-decode-child.ts', 'jpeg', jpeg, runs]),
  ];
  const warm = (ms: number[]) => median(ms.slice(1));
  const heicMs = warm(fromHeic.runsMs);
  const jpegMs = warm(fromJpeg.runsMs);
  return [
    {
      workload: WORKLOAD,
      variant: 'HEIC, libheif-js (wasm)',
      ms: heicMs,
      peakRssBytes: fromHeic.peakRssBytes,
      vsMinimal: heicMs / jpegMs,
      note: `first decode ${Math.round(fromHeic.runsMs[0] as number)} ms (thread start, libheif load); peak RSS ${(fromHeic.peakRssBytes / fromJpeg.peakRssBytes).toFixed(2)}x sharp's`,
    },
    {
      workload: WORKLOAD,
      variant: 'the same photo as JPEG, sharp',
      ms: jpegMs,
      peakRssBytes: fromJpeg.peakRssBytes,
      note: `peak RSS ${(fromJpeg.peakRssBytes / MB).toFixed(0)} MB`,
    },
  ];
}
