import { GridBuilderError } from '../../src/core/errors.js';
import type { InputFormat } from '../../src/core/formats.js';
import { GridService, type GridServiceSettings } from '../../src/core/grid-service.js';
import type {
  Bucket,
  BuildRecord,
  ComposeRequest,
  GridIndex,
  ImageRecord,
  Imaging,
  ObjectInfo,
  ObjectStore,
  SourceImage,
  UploadDetails,
} from '../../src/core/ports.js';

// The service's three ports in memory, small enough to read at a glance, for tests of
// the service's own rules (test/core/grid-service.test.ts). The real adapters have
// their own tests, and the HTTP contract runs over both real backends.

interface StoredObject {
  body: Buffer;
  contentType: string;
}

export class MemoryObjectStore implements ObjectStore {
  readonly buckets: Record<Bucket, Map<string, StoredObject>> = {
    source: new Map(),
    destination: new Map(),
  };

  async put(bucket: Bucket, key: string, body: Buffer, contentType: string) {
    this.buckets[bucket].set(key, { body, contentType });
  }
  putNew = this.put;
  async get(bucket: Bucket, key: string): Promise<Buffer> {
    const object = this.buckets[bucket].get(key);
    if (!object) throw new GridBuilderError('not_found', `No object ${bucket}/${key}.`);
    return object.body;
  }
  async getSource(key: string) {
    return { bytes: await this.get('source', key) };
  }
  async head(bucket: Bucket, key: string): Promise<ObjectInfo | undefined> {
    const object = this.buckets[bucket].get(key);
    return object && { size: object.body.length, contentType: object.contentType };
  }
  async delete(bucket: Bucket, keys: readonly string[]) {
    for (const key of keys) this.buckets[bucket].delete(key);
  }
  async list(bucket: Bucket, prefix: string) {
    return [...this.buckets[bucket].keys()].filter((key) => key.startsWith(prefix)).sort();
  }
  async presignGet(bucket: Bucket, key: string, expiresInSeconds: number) {
    return `memory://get/${bucket}/${key}?expires=${expiresInSeconds}`;
  }
  async presignPreview(key: string, expiresInSeconds: number) {
    return `memory://preview/${key}?expires=${expiresInSeconds}`;
  }
  async presignPut(bucket: Bucket, key: string, size: number, expiresInSeconds: number) {
    return `memory://put/${bucket}/${key}?size=${size}&expires=${expiresInSeconds}`;
  }
  async ping() {}
}

export class MemoryGridIndex implements GridIndex {
  readonly records = new Map<string, ImageRecord>();
  readonly orders = new Map<string, string[]>();
  readonly claimed = new Set<string>();
  readonly uploads = new Map<string, UploadDetails>();
  readonly builds = new Map<string, BuildRecord>();

  async add(record: ImageRecord) {
    this.records.set(record.key, record);
  }
  async list(gridId: string) {
    return [...this.records.values()].filter((record) => record.gridId === gridId);
  }
  async find(gridId: string, imageId: string) {
    return [...this.records.values()].find((r) => r.gridId === gridId && r.imageId === imageId);
  }

  async setRenditions(_gridId: string, key: string, sizes: readonly number[]) {
    const record = this.records.get(key);
    if (record) this.records.set(key, { ...record, renditions: [...sizes] });
    return record !== undefined;
  }
  async getOrder(gridId: string) {
    return this.orders.get(gridId);
  }
  async setOrder(gridId: string, imageIds: readonly string[]) {
    if (imageIds.length === 0) this.orders.delete(gridId);
    else this.orders.set(gridId, [...imageIds]);
  }
  async claimUpload(gridId: string, uploadId: string) {
    const mark = `${gridId}/${uploadId}`;
    if (this.claimed.has(mark)) return false;
    this.claimed.add(mark);
    return true;
  }
  async putUpload(gridId: string, uploadId: string, details: UploadDetails) {
    this.uploads.set(`${gridId}/${uploadId}`, { ...details });
  }
  async getUpload(gridId: string, uploadId: string) {
    return this.uploads.get(`${gridId}/${uploadId}`);
  }
  async remove(_gridId: string, keys: readonly string[]) {
    for (const key of keys) this.records.delete(key);
  }
  async putBuild(record: BuildRecord, _keepUntil: Date) {
    this.builds.set(`${record.gridId}/${record.buildId}`, structuredClone(record));
  }
  async getBuild(gridId: string, buildId: string) {
    const record = this.builds.get(`${gridId}/${buildId}`);
    return record && structuredClone(record);
  }
  async runningBuilds() {
    return [...this.builds.values()]
      .filter((record) => record.status === 'running')
      .map((record) => structuredClone(record));
  }
  async ping() {}
}

/**
 * Imaging without pixels. An "image" is the text `FORMAT WIDTHxHEIGHT` (anything else is
 * refused as not an image), and a "grid" is JSON naming its layout and its sources in
 * tile order, so a test reads back what the service asked for.
 */
export class TextImaging implements Imaging {
  /** Each composeGrid call, to see when a stored grid was reused instead. */
  readonly composed: ComposeRequest[] = [];

  async probe(bytes: Buffer, maxInputPixels: number) {
    const match = /^(jpeg|png|webp) (\d+)x(\d+)$/.exec(bytes.toString());
    if (!match) {
      throw new GridBuilderError('unsupported_media', 'This is not an image.', {
        code: 'not_an_image',
      });
    }
    const [, format, width, height] = match as unknown as [string, InputFormat, string, string];
    if (Number(width) * Number(height) > maxInputPixels) {
      throw new GridBuilderError('too_large', 'Too many pixels.', { code: 'too_many_pixels' });
    }
    const extension = format === 'jpeg' ? 'jpg' : format;
    return {
      format,
      width: Number(width),
      height: Number(height),
      extension,
      contentType: `image/${format}`,
    };
  }

  async composeGrid(request: ComposeRequest) {
    this.composed.push(request);
    const sources = [];
    const { placement, format } = request;
    for (let i = 0; i < placement.boxes.length; i++) {
      sources.push((await request.loadSource(i)).bytes.toString());
      request.onTile?.({ cached: false });
    }
    return Buffer.from(JSON.stringify({ ...placement, format, sources }));
  }

  /** A rendition is its source's text and its size: `jpeg 800x600 @256`. */
  async renditions(source: SourceImage, sizes: readonly number[]) {
    return sizes.map((size) => ({ size, bytes: Buffer.from(`${source.bytes} @${size}`) }));
  }
}

/** A text image for `TextImaging`. */
export const textImage = (format: 'jpeg' | 'png' | 'webp', width: number, height: number) =>
  Buffer.from(`${format} ${width}x${height}`);

/** Service settings with limits small enough for tests to reach. */
export const MEMORY_SETTINGS: GridServiceSettings = {
  defaultTileSize: 100,
  urlExpiresSeconds: 300,
  maxUploadBytes: 64,
  maxInputPixels: 1_000_000,
  maxOutputPixels: 4_000_000,
  buildInFlight: 2,
  decodeConcurrency: 1,
  maxConcurrentBuilds: 1,
  maxConcurrentValidations: 2,
  maxQueued: 8,
  queueTimeoutMs: 10_000,
  graceMs: 60_000,
  cores: 1,
  syncBuildSeconds: 20,
  maxBackgroundBuilds: 4,
  buildStallSeconds: 960,
};

/** A GridService over fresh in-memory ports, and the ports, for one test. */
export function memoryService(settings: Partial<GridServiceSettings> = {}) {
  const objects = new MemoryObjectStore();
  const index = new MemoryGridIndex();
  const imaging = new TextImaging();
  const service = new GridService(objects, index, imaging, { ...MEMORY_SETTINGS, ...settings });
  return { objects, index, imaging, service };
}
