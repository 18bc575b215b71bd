import { type JpegSegment, jpegHeaders } from './jpeg-structure.js';

/**
 * Tells whether an embedded ICC profile is an sRGB one, from its header and its
 * description tag (ICC.1 v2 `desc` or v4 `mluc`), so that a build can skip a colour
 * transform from sRGB to sRGB: it changes no pixel and costs about a third of a
 * small tile's time. Any other or unreadable profile answers false, and the source is
 * then converted to sRGB as before.
 */
export function isSrgbProfile(icc: Buffer | undefined): boolean {
  if (!icc || icc.length < 132 || icc.toString('latin1', 16, 20) !== 'RGB ') return false;
  const tagCount = icc.readUInt32BE(128);
  for (let i = 0; i < tagCount && 132 + i * 12 + 12 <= icc.length; i++) {
    const entry = 132 + i * 12;
    if (icc.toString('latin1', entry, entry + 4) !== 'desc') continue;
    const offset = icc.readUInt32BE(entry + 4);
    const size = icc.readUInt32BE(entry + 8);
    const description = descriptionText(icc.subarray(offset, offset + size));
    return /\bsRGB\b/.test(description);
  }
  return false;
}

function descriptionText(tag: Buffer): string {
  if (tag.length < 12) return '';
  const type = tag.toString('latin1', 0, 4);
  if (type === 'desc') {
    const length = tag.readUInt32BE(8);
    return tag.toString('latin1', 12, Math.min(tag.length, 12 + length));
  }
  if (type === 'mluc' && tag.length >= 28) {
    // First record: language, country, length, offset (from the tag's start).
    const length = tag.readUInt32BE(20);
    const offset = tag.readUInt32BE(24);
    const text = tag.subarray(offset, Math.min(tag.length, offset + length));
    // UTF-16BE; an odd length (a malformed tag) would make swap16 throw.
    return Buffer.from(text.subarray(0, text.length & ~1))
      .swap16()
      .toString('utf16le');
  }
  return '';
}

const APP2 = 0xe2;
const ICC_MARKER = Buffer.from('ICC_PROFILE\0', 'latin1');

/**
 * The ICC profile embedded in a JPEG (its APP2 chunks, joined in order), read from the
 * bytes in JavaScript: a build needs only this from the header, and asking libvips
 * for the metadata costs a trip through the thread pool per tile. `null` when the
 * JPEG has none; `undefined` when the bytes are not a JPEG this scan understands.
 */
export function jpegIccProfile(jpeg: Buffer): Buffer | null | undefined {
  const headers = jpegHeaders(jpeg);
  return headers && iccProfileIn(headers.segments);
}

/** The ICC profile in a JPEG's header segments, or `null`. */
export function iccProfileIn(segments: readonly JpegSegment[]): Buffer | null {
  const chunks = segments
    .filter(
      ({ marker, body }) =>
        marker === APP2 && body.length > 14 && body.subarray(0, 12).equals(ICC_MARKER),
    )
    .map(({ body }) => ({ sequence: body[12] as number, data: body.subarray(14) }));
  if (chunks.length === 0) return null;
  chunks.sort((a, b) => a.sequence - b.sequence);
  return Buffer.concat(chunks.map((chunk) => chunk.data));
}
