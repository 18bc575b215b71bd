/**
 * A JPEG's marker structure, read in JavaScript: fast enough to run on every upload
 * and every tile, where a trip through libvips would cost a thread-pool hop or a decode.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
/** SOF0 (baseline) and SOF1 (extended sequential), both Huffman-coded. */
const SEQUENTIAL_HUFFMAN = new Set([0xc0, 0xc1]);
/** C4 (DHT), C8 (reserved) and CC (DAC) share the SOFn range without being frames. */
const isFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

export interface JpegSegment {
  marker: number;
  /** The segment's payload, after its two length bytes. */
  body: Buffer;
}

interface JpegHeaders {
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

/** The frame's size as stored (before any EXIF orientation), from the first SOFn segment. */
export function jpegFrameSize(
  segments: readonly JpegSegment[],
): { width: number; height: number } | undefined {
  const frame = segments.find((s) => isFrame(s.marker));
  if (!frame || frame.body.length < 5) return undefined;
  return frameSize(frame);
}

const frameSize = (frame: JpegSegment) => ({
  height: frame.body.readUInt16BE(1), // after the precision byte
  width: frame.body.readUInt16BE(3),
});

export interface SequentialJpeg {
  /** The frame's size as stored, before any EXIF orientation. */
  width: number;
  height: number;
  /** The marker segments up to and including the scan's SOS. */
  segments: JpegSegment[];
  /** The file without its scan's data, in a 16x32 frame: see `completeSequentialJpeg`. */
  headersOnly: Buffer;
}

/**
 * For a sequential JPEG (baseline or extended, Huffman-coded) whose one scan runs to
 * its end-of-image marker with only byte stuffing and restart markers inside: its size,
 * and the same file with the scan's data cut out (`headers + EOI`) in a frame of 16x32.
 * Decoding that copy (no pixels, well under a millisecond) meets every table, frame,
 * orientation and profile the real file's decode would meet; what the cut-out data can
 * still hold is at worst a corrupt stretch, which the build's decoder (`failOn: 'none'`)
 * renders as grey pixels. So the copy decodes exactly when the file builds; and since
 * its frame is taller than wide, its decoded size shows whether the EXIF orientation
 * turns the photo a quarter turn. `undefined` for everything else, progressive files
 * included (a bit flip in their scan data can stop libjpeg outright), and stray or
 * unknown markers or a missing end: only a decode of the whole file can tell.
 */
export function completeSequentialJpeg(jpeg: Buffer): SequentialJpeg | undefined {
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
    if (code === EOI) {
      return {
        ...frameSize(frame),
        segments: headers.segments,
        headersOnly: headersInSmallFrame(jpeg, headers.scanStart, frame),
      };
    }
    const stuffedOrRestart = code === 0x00 || (code !== undefined && code >= 0xd0 && code <= 0xd7);
    if (!stuffedOrRestart) return undefined;
    at = next + 1;
  }
}

const END_OF_IMAGE = Buffer.from([0xff, EOI]);

/**
 * The frame of a headers-only copy: small, so that decoding it costs nothing whatever
 * the photo's size (no table or profile depends on the size), and taller than wide.
 */
const HEADERS_ONLY_FRAME = { width: 16, height: 32 } as const;

function headersInSmallFrame(jpeg: Buffer, scanStart: number, frame: JpegSegment): Buffer {
  const copy = Buffer.concat([jpeg.subarray(0, scanStart), END_OF_IMAGE]);
  const sizeAt = frame.body.byteOffset - jpeg.byteOffset + 1; // after the precision byte
  copy.writeUInt16BE(HEADERS_ONLY_FRAME.height, sizeAt);
  copy.writeUInt16BE(HEADERS_ONLY_FRAME.width, sizeAt + 2);
  return copy;
}
