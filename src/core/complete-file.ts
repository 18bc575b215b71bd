import type { InputFormat } from './formats.js';

const PNG_IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * True when the bytes visibly end where the format says a file ends: a JPEG's
 * end-of-image marker, a PNG's IEND chunk, a GIF's trailer, a WebP's RIFF length.
 * A truncated upload fails this, so only uploads that fail it need the (costlier)
 * trial decode to tell a truncated file from one with extra bytes after its end.
 */
export function endsCompletely(format: InputFormat, bytes: Buffer): boolean {
  const n = bytes.length;
  switch (format) {
    case 'jpeg':
      return n > 4 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
    case 'png':
      return n > PNG_IEND.length && bytes.subarray(n - PNG_IEND.length).equals(PNG_IEND);
    case 'gif':
      return n > 13 && bytes[n - 1] === 0x3b;
    case 'webp':
      return n >= 12 && bytes.readUInt32LE(4) + 8 === n;
    default:
      return false;
  }
}
