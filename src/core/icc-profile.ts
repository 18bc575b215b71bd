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
    return Buffer.from(text).swap16().toString('utf16le');
  }
  return '';
}
