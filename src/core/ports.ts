import type { ErrorCode } from './errors.js';
import type { InputFormat, OutputFormat } from './formats.js';
import type { Crop, Labels, Layout } from './grid-options.js';
import type { TilePlacement } from './layout.js';

/**
 * The interfaces the core needs from its adapters. Two storage ports: local disk +
 * SQLite implement them in src/storage/local, S3 + DynamoDB in src/storage/aws; keep
 * them small: every method here is one that both backends can do well. And the
 * imaging module (src/imaging, on sharp), which decodes, checks and composes images.
 */

/** The lab's two buckets: uploads go to `source`, built grids to `destination`. */
export type Bucket = 'source' | 'destination';

export interface ObjectInfo {
  size: number;
  contentType: string;
}

export interface ObjectStore {
  /** Stores the whole object atomically: readers see the old object or the new one. */
  put(bucket: Bucket, key: string, body: Buffer, contentType: string): Promise<void>;
  /**
   * Stores a new object under a key nothing names yet (an upload before its index
   * record). A crash may leave it partly written, which harms nothing: no one can ask
   * for it, and the sweep removes unrecorded objects. So a store may skip what makes
   * `put` atomic (a local disk: the temp file, the rename and one flush in a row).
   */
  putNew(bucket: Bucket, key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's bytes; throws GridBuilderError `not_found` when it does not exist. */
  get(bucket: Bucket, key: string): Promise<Buffer>;
  /**
   * A source image for the imaging module: its bytes, and whatever else the store has
   * that opens it faster. Throws GridBuilderError `not_found` when it does not exist.
   */
  getSource(key: string): Promise<SourceImage>;
  /** Size and type, or undefined when the object does not exist. */
  head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined>;
  /** Deletes the objects; keys that do not exist are not an error. */
  delete(bucket: Bucket, keys: readonly string[]): Promise<void>;
  /** Every key that starts with `prefix`. */
  list(bucket: Bucket, prefix: string): Promise<string[]>;
  /** A URL anyone can GET the object from until it expires. May be relative to the API's origin. */
  presignGet(bucket: Bucket, key: string, expiresInSeconds: number): Promise<string>;
  /**
   * A URL anyone can GET a small copy of a source image from (about 320 px on its short
   * side, for people to look at), until it expires. A store that cannot make one gives
   * the original's URL. May be relative to the API's origin.
   */
  presignPreview(key: string, expiresInSeconds: number): Promise<string>;
  /**
   * A URL anyone can PUT the object's bytes to until it expires: exactly `size` bytes,
   * as storage itself checks (a body of another length is refused, and not stored).
   * May be relative to the API's origin.
   */
  presignPut(bucket: Bucket, key: string, size: number, expiresInSeconds: number): Promise<string>;
  /** Resolves when the store can be reached. */
  ping(): Promise<void>;
}

/** One uploaded image, as the index records it (the lab's `uniqueGridId -> s3Key`, plus details). */
export interface ImageRecord {
  gridId: string;
  key: string;
  imageId: string;
  size: number;
  width: number;
  height: number;
  format: string;
  contentType: string;
  uploadedAt: string;
  /** Sort key of the image in its grid (src/core/order.ts); by default its id. */
  position: string;
  /**
   * The short sides of the renditions stored for it (src/core/renditions.ts); empty when
   * the image is too small for any, absent while none were made.
   */
  renditions?: number[];
  /** The file's name the client sent (src/core/image-name.ts); absent when it sent none. */
  name?: string;
}

/** What a two-step upload was created with that its confirm must not change. */
export interface UploadDetails {
  name?: string;
}

export interface GridIndex {
  /** Records an image. Called only after its object is stored. */
  add(record: ImageRecord): Promise<void>;
  /** Every image of the grid, in no promised order, following all pages. */
  list(gridId: string): Promise<ImageRecord[]>;
  /** The grid's image with that id, or undefined; reads that image's record only. */
  find(gridId: string, imageId: string): Promise<ImageRecord | undefined>;
  /** The image ids of the grid's last reorder, or undefined if it has none. */
  getOrder(gridId: string): Promise<string[] | undefined>;
  /** Stores the grid's order in one atomic write; an empty list removes it. */
  setOrder(gridId: string, imageIds: readonly string[]): Promise<void>;
  /**
   * Marks the two-step upload as confirmed, atomically: true for the one call that made
   * the mark, false for every later one. The mark may be forgotten after `keepUntil`
   * (when the upload's link can no longer be used). It makes an upload link single-use.
   */
  claimUpload(gridId: string, uploadId: string, keepUntil: Date): Promise<boolean>;
  /**
   * Keeps what a two-step upload was created with, for its confirm. It may be forgotten
   * after `keepUntil` (when the upload's link can no longer be used).
   */
  putUpload(
    gridId: string,
    uploadId: string,
    details: UploadDetails,
    keepUntil: Date,
  ): Promise<void>;
  /** What `putUpload` kept for the upload, or undefined when nothing was (or it was forgotten). */
  getUpload(gridId: string, uploadId: string): Promise<UploadDetails | undefined>;
  /**
   * Records the image's renditions, only if its record still exists (one conditional
   * write): false when it is gone, so a deleted image is never brought back.
   */
  setRenditions(gridId: string, key: string, sizes: readonly number[]): Promise<boolean>;
  /** Removes records; keys that are not recorded are not an error. */
  remove(gridId: string, keys: readonly string[]): Promise<void>;
  /**
   * Stores the build's whole record in one atomic write, replacing any earlier record
   * of that build. It may be forgotten after `keepUntil`. Grid listings never see it.
   */
  putBuild(record: BuildRecord, keepUntil: Date): Promise<void>;
  /** The build's record as last written, or undefined when there is none (or it was forgotten). */
  getBuild(gridId: string, buildId: string): Promise<BuildRecord | undefined>;
  /**
   * Every kept build record whose status is `running`, so that a process starting on this
   * storage resumes the builds an earlier one left unfinished (GridService.resumeBuilds).
   * Optional, and only the local index has it: there builds run in the server's process,
   * which may stop before they are done. On AWS the worker Lambda's asynchronous
   * invocation (with its retries) carries each build, and listing them would scan the table.
   */
  runningBuilds?(): Promise<BuildRecord[]>;
  /** Resolves when the index can be reached. */
  ping(): Promise<void>;
}

/** What an upload check found: the image's format and size. */
export interface ProbedImage {
  format: InputFormat;
  /** After EXIF auto-orientation. */
  width: number;
  height: number;
  extension: string;
  contentType: string;
}

/**
 * A stored source image as the imaging module reads it. The core only passes it on
 * from the object store to the imaging module.
 */
export interface SourceImage {
  bytes: Buffer;
  /**
   * The file holding the bytes, where the store keeps objects as files on this machine:
   * a decoder that opens the file itself can be told more than one given the bytes
   * (libjpeg's shrink-on-load, see src/imaging/decode.ts).
   */
  file?: string;
}

export interface ComposeRequest {
  /**
   * The canvas and where each tile goes (src/core/layout.ts): `loadSource(i)` is called
   * once for each box i, and its source cut to the box's size.
   */
  placement: TilePlacement;
  loadSource: (index: number) => Promise<SourceImage>;
  /**
   * Source i's stored key, whose pixels never change: an imaging that keeps tiles of
   * earlier builds keeps them under it (and copies one instead of calling `loadSource`).
   */
  sourceKey?: (index: number) => string;
  format: OutputFormat;
  /** How each source is cut to its box; DEFAULT_CROP when not given. */
  crop?: Crop | undefined;
  /** `#rrggbb` of what no box covers; DEFAULT_BACKGROUND when not given. */
  background?: string | undefined;
  /**
   * Image i's label, drawn in the band `placement.labelHeight` high under its box;
   * undefined (or no function) leaves the band bare.
   */
  label?: ((index: number) => string | undefined) | undefined;
  /** Sources fetched or decoding at once; bounds memory to this many compressed sources. */
  inFlight: number;
  /** Decodes at once; more than the cores only queues in libuv's pool. */
  decodes: number;
  /**
   * Called once per tile placed on the canvas (a background build's progress);
   * `cached`: copied from an earlier build's, without reading the source.
   */
  onTile?: (tile: { cached: boolean }) => void;
}

/** What an imaging that keeps tiles keys a build's tiles by: each box's size, its source, the crop. */
export type TileRequest = Pick<ComposeRequest, 'placement' | 'sourceKey' | 'crop'>;

export interface Imaging {
  /**
   * Checks that the bytes are an image a build can read (GridBuilderError otherwise),
   * reading no more pixels than `maxInputPixels`.
   */
  probe(bytes: Buffer, maxInputPixels: number): Promise<ProbedImage>;
  /** The grid image: each source cut to its box, encoded in `format`. */
  composeGrid(request: ComposeRequest): Promise<Buffer>;
  /**
   * How many of the tiles of a build with these boxes, source keys and crop it keeps from
   * earlier builds, which `composeGrid` would copy instead of decoding: the build
   * estimate counts them at their copy's cost. None, when not given: it keeps no tiles.
   */
  tilesHeld?(request: TileRequest): number;
  /**
   * Small copies of a stored image, upright, in sRGB, on black where transparent, one
   * per size with that short side (each size below the image's short side), encoded as
   * JPEG (the `.jpg` of `renditionKey`).
   */
  renditions(source: SourceImage, sizes: readonly number[]): Promise<Rendition[]>;
}

/**
 * Where the service asks for an image's renditions to be made off the request's path:
 * the local server's worker (src/core/rendition-worker.ts). None on AWS, where the
 * source bucket's events will ask.
 */
export interface RenditionRequests {
  /** Asks without waiting: requests may be dropped, and are repeated whenever asked again. */
  request(keys: readonly string[]): void;
}

export interface Rendition {
  size: number;
  bytes: Buffer;
}

/** A built grid's size in pixels and its rows and columns (src/core/layout.ts TilePlacement). */
export type GridShape = Pick<TilePlacement, 'width' | 'height' | 'columns' | 'rows'>;

/** The options a build runs with, every default resolved. */
export interface BuildOptions {
  tileSize: number;
  columns: number;
  format: OutputFormat;
  crop: Crop;
  gap: number;
  /** `#rrggbb`. */
  background: string;
  layout: Layout;
  /** The grid image's width: the justified layout's target, or the grid's own. */
  width: number;
  labels: Labels;
}

/**
 * An asynchronous build, as the index keeps it while a worker runs it and a while after
 * (src/core/builds.ts). Its id is the grid's version, so identical requests share it.
 */
export interface BuildRecord {
  gridId: string;
  buildId: string;
  status: 'running' | 'done' | 'failed';
  tilesDone: number;
  tilesTotal: number;
  options: BuildOptions;
  /** The built grid's key in the destination bucket, once done. */
  key?: string;
  /** The built grid's size, rows and columns, once done (absent in records written before). */
  shape?: GridShape;
  /** Why it failed, in the words of the error a synchronous build would have answered. */
  error?: { code: ErrorCode; message: string };
  /** Runs started, the first one included. */
  attempts: number;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; a running build writes it as it makes progress. */
  updatedAt: string;
}

/**
 * Hands a recorded build to a worker, which calls `GridService.runBuild(gridId, buildId)`:
 * in this process (src/core/in-process-build-runner.ts), or a Lambda function on AWS.
 */
export interface BuildRunner {
  /** Resolves once the build is handed over, not when it is done. */
  start(gridId: string, buildId: string): Promise<void>;
}
