import sharp, { type JpegOptions } from 'sharp';
import { expect, test } from 'vitest';
import { plainJpegOrientation } from '../../src/imaging/jpeg/jpeg-header-check.js';
import { completeSequentialJpeg, jpegHeaders } from '../../src/imaging/jpeg/jpeg-structure.js';
import { renderTile, square } from '../../src/imaging/tile.js';
import { prng } from '../support/images.js';
import { between } from './support/images.js';

const SEED = 11_2911;
/** JPEG_HEADER_MUTATIONS=80000 for a longer hunt. */
const MUTATIONS = Number(process.env.JPEG_HEADER_MUTATIONS ?? 3000);

/**
 * Uploads skip libvips when `plainJpegOrientation` judges a JPEG's headers. This hunts
 * for a header it judges wrongly: every mutant it answers for must build (the build's
 * own decode of the tile) and have the orientation libvips reads.
 */
test(`${MUTATIONS} JPEG header mutations: whatever the JavaScript check accepts, libvips decodes and orients alike`, async () => {
  const random = prng(SEED);
  const bases = await photos();
  let judged = 0;
  const wrong: string[] = [];
  for (let n = 0; n < MUTATIONS; n++) {
    const mutant = mutateHeaders(bases[between(random, 0, bases.length - 1)] as Buffer, random);
    const jpeg = completeSequentialJpeg(mutant);
    const orientation = jpeg && plainJpegOrientation(jpeg.segments);
    if (!jpeg || orientation === undefined || jpeg.width * jpeg.height > 4e6) continue;
    judged++;
    try {
      await renderTile(mutant, square(16), 1e8);
      const libvips = (await sharp(mutant).metadata()).orientation ?? 1;
      if (libvips !== orientation)
        wrong.push(`#${n}: orientation ${orientation}, libvips ${libvips}`);
    } catch (error) {
      wrong.push(`#${n}: accepted, but the build fails: ${String(error).split('\n')[0]}`);
    }
  }
  expect(wrong).toEqual([]);
  expect(judged).toBeGreaterThan(MUTATIONS / 3); // the hunt reaches the JavaScript check
  console.log(
    `[reliability] JPEG headers (seed ${SEED}): ${MUTATIONS} mutants, ${judged} judged in JavaScript, all built with libvips's orientation`,
  );
});

/** Small photos as cameras and encoders write them: samplings, codings, profiles, orientations. */
async function photos(): Promise<Buffer[]> {
  const variants: [JpegOptions, string | undefined][] = [
    [{ optimiseCoding: false }, undefined],
    [{}, 'srgb'],
    [{ chromaSubsampling: '4:4:4' }, 'p3'],
    [{ quality: 50, optimiseCoding: false }, 'srgb'],
  ];
  const made: Promise<Buffer>[] = [];
  for (const [options, profile] of variants) {
    for (const orientation of [1, 3, 6, 8]) {
      const image = sharp({
        create: {
          width: 40,
          height: 24,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      }).withMetadata({ orientation });
      if (profile) image.withIccProfile(profile);
      made.push(image.jpeg(options).toBuffer());
    }
  }
  return Promise.all(made);
}

/**
 * One change in the headers: bit flips, chosen bytes, a dropped or doubled segment, a
 * Huffman code moved, or the EXIF Orientation entry rewritten.
 */
function mutateHeaders(base: Buffer, random: () => number): Buffer {
  const headers = jpegHeaders(base) as NonNullable<ReturnType<typeof jpegHeaders>>;
  const bytes = Buffer.from(base);
  const anywhere = () => between(random, 2, headers.scanStart - 1);
  const offsetOf = (body: Buffer) => body.byteOffset - base.byteOffset;
  switch (between(random, 0, 5)) {
    case 0:
      for (let i = between(random, 1, 4); i > 0; i--) {
        bytes[anywhere()] = (bytes[anywhere()] as number) ^ (1 << between(random, 0, 7));
      }
      return bytes;
    case 1:
      bytes[anywhere()] = [0, 1, 2, 3, 8, 15, 16, 17, 34, 63, 64, 0xff][
        between(random, 0, 11)
      ] as number;
      return bytes;
    case 2: {
      const segment = headers.segments[between(random, 0, headers.segments.length - 2)];
      const body = segment?.body as Buffer;
      const start = offsetOf(body) - 4;
      const end = offsetOf(body) + body.length;
      return random() < 0.5
        ? Buffer.concat([base.subarray(0, end), base.subarray(start)])
        : Buffer.concat([base.subarray(0, start), base.subarray(end)]);
    }
    case 3: {
      const table = headers.segments.filter((s) => [0xc0, 0xc4, 0xda, 0xdb].includes(s.marker));
      const body = table[between(random, 0, table.length - 1)]?.body as Buffer;
      const at = offsetOf(body) + between(random, 0, body.length - 1);
      bytes[at] = (bytes[at] as number) ^ (1 << between(random, 0, 7));
      return bytes;
    }
    case 4: {
      // A code moved to a shorter length: the counts still add up, the codes may not fit.
      const tables = headers.segments.filter((s) => s.marker === 0xc4);
      const counts = offsetOf(tables[between(random, 0, tables.length - 1)]?.body as Buffer) + 1;
      const [from, to] = [between(random, 1, 15), between(random, 0, 7)];
      if ((bytes[counts + from] as number) > 0 && to < from) {
        bytes[counts + from] = (bytes[counts + from] as number) - 1;
        bytes[counts + to] = (bytes[counts + to] as number) + 1;
      }
      return bytes;
    }
    default:
      return withOrientationEntryChanged(bytes, headers, offsetOf, random);
  }
}

function withOrientationEntryChanged(
  bytes: Buffer,
  headers: NonNullable<ReturnType<typeof jpegHeaders>>,
  offsetOf: (body: Buffer) => number,
  random: () => number,
): Buffer {
  const exif = headers.segments.find((s) => s.marker === 0xe1);
  if (!exif) return bytes;
  const tiff = offsetOf(exif.body) + 6;
  const little = bytes.toString('latin1', tiff, tiff + 2) === 'II';
  const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const w16 = (at: number, v: number) =>
    little ? bytes.writeUInt16LE(v & 0xffff, at) : bytes.writeUInt16BE(v & 0xffff, at);
  const directory = tiff + (little ? bytes.readUInt32LE(tiff + 4) : bytes.readUInt32BE(tiff + 4));
  const entry = directory + 2 + 12 * between(random, 0, Math.max(0, u16(directory) - 1));
  if (entry + 12 > bytes.length) return bytes;
  const field = [entry, entry + 2, entry + 4, entry + 8, entry + 10, directory][
    between(random, 0, 5)
  ];
  w16(field as number, [0, 1, 2, 3, 4, 6, 8, 9, 0x112, 0xffff][between(random, 0, 9)] as number);
  return bytes;
}
