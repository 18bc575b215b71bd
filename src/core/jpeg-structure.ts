/**
 * A JPEG's marker structure, read in JavaScript: fast enough to run on every upload
 * and every tile, where a trip through libvips would cost a thread-pool hop or a decode.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
/** SOF0 (baseline) and SOF1 (extended sequential), both Huffman-coded, one scan in order. */
const SEQUENTIAL_HUFFMAN = new Set([0xc0, 0xc1]);
/** C4 (DHT), C8 (reserved) and CC (DAC) share the SOFn range without being frames. */
const isFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

export interface JpegSegment {
  marker: number;
  /** The segment's payload, after its two length bytes. */
  body: Buffer;
}

export interface JpegHeaders {
  segments: JpegSegment[];
  /** Offset of the first scan's entropy-coded data, just past its SOS segment. */
  scanStart: number;
}

/**
 * The marker segments from SOI up to and including the first SOS, or `undefined` when
 * the bytes are not a JPEG whose segment lengths add up.
 */
export function jpegHeaders(jpeg: Buffer): JpegHeaders | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== SOI) return undefined;
  const segments: JpegSegment[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) return undefined;
    const marker = jpeg[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // FF 00, TEM and the reserved codes are not segments (libjpeg skips or rejects them).
    if (marker === EOI || marker < 0xc0 || (marker >= 0xd0 && marker <= 0xd7)) return undefined;
    const length = jpeg.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > jpeg.length) return undefined;
    segments.push({ marker, body: jpeg.subarray(at + 4, at + 2 + length) });
    at += 2 + length;
    if (marker === SOS) return { segments, scanStart: at };
  }
  return undefined;
}

/**
 * For a sequential JPEG (baseline or extended, Huffman-coded) whose one scan runs to
 * an end-of-image marker with only byte stuffing and restart markers inside: the same
 * file with the scan's data cut out, `headers + EOI`. Decoding that copy (no pixels to
 * decode, so well under a millisecond) meets every table, frame and profile the real
 * file's decode would meet; what the cut-out data can still hold is at worst a corrupt
 * stretch, which the build's decoder (`failOn: 'none'`) renders as grey pixels. So the
 * copy decodes exactly when the file builds. `undefined` for everything else
 * (progressive or multi-scan files, stray or unknown markers, a missing end): only a
 * decode of the whole file can tell.
 */
export function headersOfCompleteSequentialJpeg(jpeg: Buffer): Buffer | undefined {
  const headers = jpegHeaders(jpeg);
  if (!headers) return undefined;
  const frames = headers.segments.filter((s) => isFrame(s.marker));
  const frame = frames[0];
  if (frames.length !== 1 || !frame || !SEQUENTIAL_HUFFMAN.has(frame.marker)) return undefined;
  // The scan must cover every component of the frame, or more scans follow.
  const frameComponents = frame.body[5];
  const scanComponents = headers.segments.at(-1)?.body[0];
  if (frameComponents === undefined || scanComponents !== frameComponents) return undefined;

  let at = headers.scanStart;
  for (;;) {
    at = jpeg.indexOf(0xff, at);
    if (at < 0) return undefined; // no end-of-image marker: truncated
    let next = at + 1;
    while (jpeg[next] === 0xff) next++; // fill bytes
    const code = jpeg[next];
    if (code === EOI) return headersWithTinyFrame(jpeg, headers.scanStart, frame);
    const stuffedOrRestart = code === 0x00 || (code !== undefined && code >= 0xd0 && code <= 0xd7);
    if (!stuffedOrRestart) return undefined;
    at = next + 1;
  }
}

const END_OF_IMAGE = Buffer.from([0xff, EOI]);

/** The frame size of a headers-only copy. */
export const HEADERS_ONLY_SIZE = 16;

/**
 * `headers + EOI`, with the frame's size set to 16x16 so that decoding the copy costs
 * nothing whatever the photo's size: no table or profile depends on the size.
 */
function headersWithTinyFrame(jpeg: Buffer, scanStart: number, frame: JpegSegment): Buffer {
  const copy = Buffer.concat([jpeg.subarray(0, scanStart), END_OF_IMAGE]);
  const sizeAt = frame.body.byteOffset - jpeg.byteOffset + 1; // after the precision byte
  copy.writeUInt16BE(HEADERS_ONLY_SIZE, sizeAt);
  copy.writeUInt16BE(HEADERS_ONLY_SIZE, sizeAt + 2);
  return copy;
}
