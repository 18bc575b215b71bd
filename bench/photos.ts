import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/** Bump when the generator changes, so an old cache is not reused. */
const GENERATOR_VERSION = 3;
export const PHOTO_CACHE_DIR = join(tmpdir(), `gridbuilder-bench-photos-v${GENERATOR_VERSION}`);

export interface PhotoSets {
  /** 16 photos of about 2560x1600 and more (some stored sideways with an EXIF orientation). */
  large: string[];
  /**
   * 100 photos of mixed sizes from about 2560x1600 to 3200x2000: sizes that put the baselines
   * where issue 5 measured them for this workload (lab 3.80 s, minimal sharp 0.75 s on
   * 2 cores; 1280x800 to 2560x1600 made both about half as long).
   */
  mixed: string[];
  /** 1000 photos of about 1280x800 (100 distinct ones, repeated in a fixed order). */
  thousand: string[];
  /** JPEGs of about 500 KB for the upload workload. */
  uploads: string[];
  source: string;
}

interface PhotoSpec {
  name: string;
  width: number;
  height: number;
  /** EXIF orientation written into the file (1 = upright). */
  orientation: number;
  quality: number;
}

/**
 * Taken off the round sizes, so that photos are not exact multiples of a tile or of
 * a JPEG block, as real cameras' are not (1279x797, 2557x1601...): a build then
 * resizes by a fraction, and libjpeg decodes partial blocks at the edges.
 */
const ODD = [1, 3, 0, 7, 2, 5];
const odd = (i: number) => ODD[i % ODD.length] as number;

const specs: PhotoSpec[] = [
  ...Array.from({ length: 16 }, (_, i) => ({
    name: `large-${pad(i)}.jpg`,
    width: (i % 3 === 0 ? 2560 : 2880) - odd(i),
    height: (i % 3 === 0 ? 1600 : 1800) - odd(i + 1),
    orientation: [1, 6, 1, 8, 3, 1][i % 6] as number,
    quality: 88,
  })),
  ...Array.from({ length: 100 }, (_, i) => {
    const scale = 2 + (i % 5) / 8; // 2560x1600 .. 3200x2000
    const portrait = i % 7 === 3;
    const width = Math.round(1280 * scale) - odd(i);
    const height = Math.round(800 * scale) - odd(i + 2);
    return {
      name: `mixed-${pad(i)}.jpg`,
      width: portrait ? height : width,
      height: portrait ? width : height,
      orientation: i % 11 === 5 ? 6 : 1,
      quality: 85,
    };
  }),
  ...Array.from({ length: 100 }, (_, i) => ({
    name: `small-${pad(i)}.jpg`,
    width: 1280 - odd(i),
    height: 800 - odd(i + 3),
    orientation: i % 13 === 7 ? 6 : 1,
    quality: 85,
  })),
  ...Array.from({ length: 8 }, (_, i) => ({
    name: `upload-${pad(i)}.jpg`,
    width: 2048,
    height: 1280,
    orientation: 1,
    quality: 90,
  })),
];

/**
 * The photo sets of the workloads: from `photosDir` when given (its JPEGs, repeated
 * in name order to make up the counts), otherwise generated once into a cache under
 * the system's temp folder. The 1000-photo sets are always the generated ~1280x800
 * ones, the size the workload is defined with.
 */
export async function preparePhotos(photosDir?: string): Promise<PhotoSets> {
  await generateMissing();
  const generated = (prefix: string) =>
    specs.filter((s) => s.name.startsWith(prefix)).map((s) => join(PHOTO_CACHE_DIR, s.name));
  const small = generated('small-');
  const thousand = Array.from({ length: 1000 }, (_, i) => small[i % small.length] as string);
  const uploads = generated('upload-');
  if (photosDir) {
    const own = (await readdir(photosDir))
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort()
      .map((f) => join(photosDir, f));
    if (own.length === 0) throw new Error(`No JPEG files in ${photosDir}`);
    const repeat = (n: number) =>
      Array.from({ length: n }, (_, i) => own[i % own.length] as string);
    return { large: repeat(16), mixed: repeat(100), thousand, uploads, source: photosDir };
  }
  return {
    large: generated('large-'),
    mixed: generated('mixed-'),
    thousand,
    uploads,
    source: `generated (${PHOTO_CACHE_DIR})`,
  };
}

async function generateMissing() {
  await mkdir(PHOTO_CACHE_DIR, { recursive: true });
  const missing = specs.filter((spec) => !existsSync(join(PHOTO_CACHE_DIR, spec.name)));
  if (missing.length === 0) return;
  process.stderr.write(`Generating ${missing.length} photos into ${PHOTO_CACHE_DIR} (once)...\n`);
  for (const [n, spec] of missing.entries()) {
    const file = join(PHOTO_CACHE_DIR, spec.name);
    await writeFile(`${file}.tmp`, await renderPhoto(spec, n));
    await rename(`${file}.tmp`, file);
  }
}

/**
 * Something with the statistics of a photo for a JPEG codec: smooth gradients and
 * soft shapes (cheap to code) with sensor-like noise on top (expensive to code).
 * Files stored sideways carry the EXIF orientation that turns them upright.
 */
async function renderPhoto(spec: PhotoSpec, seed: number): Promise<Buffer> {
  const sideways = spec.orientation >= 5;
  const width = sideways ? spec.height : spec.width;
  const height = sideways ? spec.width : spec.height;
  const pixels = Buffer.alloc(width * height * 3);
  let state = (seed + 1) * 2654435761;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const hue = [random() * 255, random() * 255, random() * 255];
  const cx = random() * width;
  const cy = random() * height;
  const radius = (0.2 + random() * 0.3) * Math.min(width, height);
  let offset = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < radius * radius ? 60 : 0;
      for (let c = 0; c < 3; c++) {
        const base = ((hue[c] as number) + (x / width) * 120 + (y / height) * (60 + 40 * c)) % 256;
        const noise = (random() + random() + random() - 1.5) * 24;
        pixels[offset++] = Math.max(0, Math.min(255, base + inside + noise));
      }
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(0.6)
    .jpeg({ quality: spec.quality })
    .withMetadata({ orientation: spec.orientation })
    .toBuffer();
}

function pad(n: number) {
  return String(n).padStart(3, '0');
}
