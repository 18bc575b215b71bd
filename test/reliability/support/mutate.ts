import { crc32 } from 'node:zlib';
import { between } from './images.js';

export type Mutation = 'bit-flips' | 'truncation' | 'absurd-dimensions' | 'splice';
export const MUTATIONS: readonly Mutation[] = [
  'bit-flips',
  'truncation',
  'absurd-dimensions',
  'splice',
];

const ABSURD = [0, 1, 2, 16_383, 16_384, 65_535, 0x3fff, 0x7fff];

/** One hostile variant of a valid image; the same `random` state gives the same bytes. */
export function mutate(image: Buffer, kind: Mutation, random: () => number): Buffer {
  const bytes = Buffer.from(image);
  switch (kind) {
    case 'bit-flips': {
      for (let n = between(random, 1, 24); n > 0; n--) {
        const at = between(random, 0, bytes.length - 1);
        bytes[at] = (bytes[at] as number) ^ (1 << between(random, 0, 7));
      }
      return bytes;
    }
    case 'truncation':
      return bytes.subarray(0, between(random, 1, bytes.length - 1));
    case 'absurd-dimensions':
      return withDimensions(bytes, pick(random), pick(random));
    case 'splice': {
      const from = between(random, 0, bytes.length - 1);
      const to = Math.min(bytes.length, from + between(random, 1, 64));
      const filler = Buffer.alloc(to - from, random() < 0.5 ? 0 : between(random, 0, 255));
      return Buffer.concat([bytes.subarray(0, from), filler, bytes.subarray(from)]);
    }
  }
}

const pick = (random: () => number) =>
  random() < 0.7
    ? (ABSURD[between(random, 0, ABSURD.length - 1)] as number)
    : between(random, 0, 65_535);

/** Rewrites the width and height the header declares, leaving the pixel data as it was. */
function withDimensions(bytes: Buffer, width: number, height: number): Buffer {
  if (bytes.subarray(1, 4).toString('latin1') === 'PNG') {
    // IHDR data at 16..24; fix its CRC so the decoder believes the header.
    bytes.writeUInt32BE(width, 16);
    bytes.writeUInt32BE(height, 20);
    bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
    return bytes;
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    // The first SOFn marker: FF Cn, length(2), precision(1), height(2), width(2).
    for (let i = 2; i < bytes.length - 9; i++) {
      if (bytes[i] === 0xff && [0xc0, 0xc1, 0xc2].includes(bytes[i + 1] as number)) {
        bytes.writeUInt16BE(height & 0xffff, i + 5);
        bytes.writeUInt16BE(width & 0xffff, i + 7);
        break;
      }
    }
    return bytes;
  }
  if (bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    const chunk = bytes.subarray(12, 16).toString('latin1');
    if (chunk === 'VP8 ') {
      // Lossy key frame: 14-bit width and height after the start code 9D 01 2A.
      bytes.writeUInt16LE(width & 0x3fff, 26);
      bytes.writeUInt16LE(height & 0x3fff, 28);
    } else if (chunk === 'VP8X') {
      bytes.writeUIntLE((width - 1) & 0xffffff, 24, 3);
      bytes.writeUIntLE((height - 1) & 0xffffff, 27, 3);
    }
  }
  return bytes;
}
