import { exifOrientation } from './exif-orientation.js';
import { iccProfileIn, isSrgbProfile } from './icc-profile.js';
import type { JpegSegment } from './jpeg-structure.js';

const SOF0 = 0xc0;
const DHT = 0xc4;
const SOS = 0xda;
const DQT = 0xdb;
const DRI = 0xdd;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP14 = 0xee;
const APP15 = 0xef;
const COM = 0xfe;

/**
 * The verdict the build's decoder (libjpeg-turbo under libvips, `failOn: 'none'`) would
 * give on the headers of a plain baseline JPEG, as cameras and phones write them, read
 * in JavaScript: an upload then needs no libvips call at all (a call costs about 0.7 ms
 * of CPU even on a 16x32 headers-only copy: most of an upload's cost).
 *
 * It answers only for what it fully understands: one 8-bit baseline frame of 1 or 3
 * components in the usual samplings, tables that libjpeg's own checks accept
 * (`get_dqt`, `get_dht`, `jpeg_make_d_derived_tbl`), one scan over every component,
 * an EXIF orientation it reads plainly, no ICC profile or an sRGB one (which the build
 * leaves alone). For anything else, `undefined`: the caller asks the decoder.
 * Returns the EXIF orientation (1 = upright) when the headers decode.
 */
export function plainJpegOrientation(segments: readonly JpegSegment[]): number | undefined {
  const quantTables = new Set<number>();
  const huffmanTables = new Set<string>();
  let frame: Frame | undefined;
  let orientation: number | undefined = 1;
  let exifSegments = 0;
  for (const { marker, body } of segments) {
    if (marker === DQT) {
      if (!readQuantTables(body, quantTables)) return undefined;
    } else if (marker === DHT) {
      if (!readHuffmanTables(body, huffmanTables)) return undefined;
    } else if (marker === SOF0) {
      if (frame) return undefined;
      frame = readFrame(body);
      if (!frame) return undefined;
    } else if (marker === SOS) {
      if (!frame || !scanIsComplete(body, frame, quantTables, huffmanTables)) return undefined;
    } else if (marker === DRI) {
      if (body.length !== 2) return undefined;
    } else if (marker === APP1 && body.toString('latin1', 0, 4) === 'Exif') {
      // libvips takes an APP1 starting "Exif" as EXIF: only one plain one is read here.
      exifSegments++;
      orientation = exifOrientation(body);
      if (orientation === undefined || exifSegments > 1) return undefined;
    } else if (marker === APP14 || !((marker >= APP0 && marker <= APP15) || marker === COM)) {
      // Adobe's APP14 changes the colour transform; other markers are not plain.
      return undefined;
    }
  }
  const icc = iccProfileIn(segments);
  if (icc !== null && !isSrgbProfile(icc)) return undefined;
  return orientation;
}

interface Frame {
  /** Component ids with their quantisation table, in frame order. */
  components: { id: number; quantTable: number }[];
}

function readFrame(body: Buffer): Frame | undefined {
  const count = body[5];
  if ((count !== 1 && count !== 3) || body.length !== 6 + count * 3) return undefined;
  if (body[0] !== 8 || body.readUInt16BE(1) === 0 || body.readUInt16BE(3) === 0) return undefined;
  const components: Frame['components'] = [];
  for (let i = 0; i < count; i++) {
    const id = body[6 + i * 3] as number;
    const sampling = body[7 + i * 3] as number;
    const quantTable = body[8 + i * 3] as number;
    const [h, v] = [sampling >> 4, sampling & 15];
    // 4:4:4, 4:2:2, 4:4:0 and 4:2:0 (the luma may be 2x2); chroma and grey at 1x1.
    const usual = i === 0 && count === 3 ? h >= 1 && h <= 2 && v >= 1 && v <= 2 : sampling === 0x11;
    if (!usual || quantTable > 3 || components.some((c) => c.id === id)) return undefined;
    components.push({ id, quantTable });
  }
  return { components };
}

/** One interleaved sequential scan over the frame's components, in frame order. */
function scanIsComplete(
  body: Buffer,
  frame: Frame,
  quantTables: ReadonlySet<number>,
  huffmanTables: ReadonlySet<string>,
): boolean {
  const count = frame.components.length;
  if (body.length !== 4 + count * 2 || body[0] !== count) return false;
  for (const [i, component] of frame.components.entries()) {
    const tables = body[2 + i * 2] as number;
    if (body[1 + i * 2] !== component.id || !quantTables.has(component.quantTable)) return false;
    if (!huffmanTables.has(`dc${tables >> 4}`) || !huffmanTables.has(`ac${tables & 15}`)) {
      return false;
    }
  }
  // Spectral selection 0-63, no successive approximation: sequential.
  const at = 1 + count * 2;
  return body[at] === 0 && body[at + 1] === 63 && body[at + 2] === 0;
}

/** A DQT segment of 8-bit tables, indexes 0-3, no zero step; exactly its length. */
function readQuantTables(body: Buffer, defined: Set<number>): boolean {
  let at = 0;
  while (at < body.length) {
    const spec = body[at] as number;
    if (spec > 3 || at + 65 > body.length) return false; // precision 0 (8-bit), index <= 3
    if (body.subarray(at + 1, at + 65).includes(0)) return false;
    defined.add(spec);
    at += 65;
  }
  return at === body.length;
}

/**
 * A DHT segment whose tables libjpeg accepts: class DC or AC, index 0-3, at most 256
 * symbols, every code fitting its length without being all ones
 * (`jpeg_make_d_derived_tbl`), DC symbols at most 15; exactly its length.
 */
function readHuffmanTables(body: Buffer, defined: Set<string>): boolean {
  let at = 0;
  while (at < body.length) {
    const spec = body[at] as number;
    const [tableClass, index] = [spec >> 4, spec & 15];
    if (tableClass > 1 || index > 3 || at + 17 > body.length) return false;
    const counts = body.subarray(at + 1, at + 17);
    const symbols = counts.reduce((sum, count) => sum + count, 0);
    if (symbols === 0 || symbols > 256 || at + 17 + symbols > body.length) return false;
    // Canonical codes, shortest first: one past a length's last code must still fit in
    // that many bits (libjpeg's `code >= 1 << length` check).
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      const count = counts[length - 1] as number;
      code += count;
      if (count > 0 && code >= 2 ** length) return false;
      code *= 2;
    }
    const values = body.subarray(at + 17, at + 17 + symbols);
    if (tableClass === 0 && values.some((value) => value > 15)) return false;
    defined.add(`${tableClass === 0 ? 'dc' : 'ac'}${index}`);
    at += 17 + symbols;
  }
  return at === body.length;
}
