const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const ORIENTATION_TAG = 0x0112;
/** The integer types libvips reads the tag from (SHORT, LONG, SSHORT, SLONG), by size. */
const INTEGER_TYPES = new Map([
  [3, 2],
  [4, 4],
  [8, 2],
  [9, 4],
]);

/**
 * The EXIF orientation (1-8) in a JPEG's APP1 Exif segment, read as libvips reads it
 * (the Orientation tag of IFD0, one integer; 1 without one), or `undefined` when
 * anything about the segment is out of the ordinary: a truncated directory, a second
 * Orientation tag, several values or a value of another type or out of range. The
 * caller then asks libvips itself, so an odd file is never judged by this reader.
 */
export function exifOrientation(app1: Buffer): number | undefined {
  if (!app1.subarray(0, EXIF_HEADER.length).equals(EXIF_HEADER)) return undefined;
  const tiff = app1.subarray(EXIF_HEADER.length);
  if (tiff.length < 8) return undefined;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return undefined;
  const directory = u32(4);
  if (directory < 8 || directory + 2 > tiff.length) return undefined;
  const entries = u16(directory);
  if (directory + 2 + entries * 12 > tiff.length) return undefined;
  let orientation = 1;
  let seen = false;
  for (let i = 0; i < entries; i++) {
    const entry = directory + 2 + i * 12;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    const size = INTEGER_TYPES.get(u16(entry + 2));
    if (seen || size === undefined || u32(entry + 4) !== 1) return undefined;
    seen = true;
    // Signed or not, only 1 to 8 are orientations: the high bytes of a value in range are 0.
    orientation = size === 2 ? u16(entry + 8) : u32(entry + 8);
    if (orientation < 1 || orientation > 8) return undefined;
  }
  return orientation;
}
