import { createHash } from 'node:crypto';
import { Admission } from './admission.js';
import { composeGrid } from './compose.js';
import { GridBuilderError } from './errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.js';
import { checkOutputSize, type GridOptions } from './grid-options.js';
import {
  gridKey,
  gridPrefix,
  newImageId,
  parseGridId,
  parseImageId,
  STAGING_PREFIX,
  sourceKey,
  stagingKey,
} from './ids.js';
import { probeImage } from './image-probe.js';
import { gridLayout } from './layout.js';
import type { Bucket, GridIndex, ImageRecord, ObjectStore } from './ports.js';

export interface GridServiceSettings {
  defaultTileSize: number;
  urlExpiresSeconds: number;
  maxUploadBytes: number;
  maxInputPixels: number;
  maxOutputPixels: number;
  /** Sources being fetched or decoded at once during a build. */
  buildInFlight: number;
  /** Sources decoding at once during a build. */
  decodeConcurrency: number;
  /** Grid builds composing at once (each holds one raw canvas in memory); default 2. */
  maxConcurrentBuilds?: number | undefined;
  /** Uploads being validated (decoded) at once; default 4. */
  maxConcurrentValidations?: number | undefined;
  /** Builds or validations that may wait for a slot; default 64 each. */
  maxQueued?: number | undefined;
  /** How long one may wait before it is answered `overloaded`; default 10 s. */
  queueTimeoutMs?: number | undefined;
}

export interface SignedLink {
  url: string;
  expiresAt: string;
}

export interface GridImage extends ImageRecord {
  url: string;
}

export interface BuiltGrid extends SignedLink {
  key: string;
  width: number;
  height: number;
  columns: number;
  rows: number;
  imageCount: number;
  tileSize: number;
  format: OutputFormat;
  /** True when an identical earlier build was reused. */
  cached: boolean;
}

export interface PendingUpload extends SignedLink {
  uploadId: string;
}

/**
 * Everything GridBuilder does, in terms of the two storage ports. Knows nothing of
 * HTTP, files or AWS; every edge (HTTP app, Lambda, CLI, benchmarks) goes through it.
 */
export class GridService {
  /** Bounds the expensive work (decodes and canvases), so a burst gets 503s, not an OOM. */
  private readonly builds: Admission;
  private readonly validations: Admission;

  constructor(
    private readonly objects: ObjectStore,
    private readonly index: GridIndex,
    readonly settings: GridServiceSettings,
  ) {
    const queue = {
      maxQueued: settings.maxQueued ?? 64,
      queueTimeoutMs: settings.queueTimeoutMs ?? 10_000,
    };
    this.builds = new Admission('grid builds', {
      concurrency: settings.maxConcurrentBuilds ?? 2,
      ...queue,
    });
    this.validations = new Admission('uploads', {
      concurrency: settings.maxConcurrentValidations ?? 4,
      ...queue,
    });
  }

  /** The lab's add_image: validate, store the object, then record it. */
  async addImage(gridIdInput: string | undefined, bytes: Buffer): Promise<ImageRecord> {
    const gridId = parseGridId(gridIdInput);
    return this.storeImage(gridId, newImageId(), bytes);
  }

  /** Step one of a two-step upload: a URL to PUT the bytes to. */
  async createUpload(gridIdInput: string | undefined): Promise<PendingUpload> {
    const gridId = parseGridId(gridIdInput);
    const uploadId = newImageId();
    const link = await this.sign('source', stagingKey(gridId, uploadId), 'put');
    return { uploadId, ...link };
  }

  /** Step two: validate the uploaded bytes exactly like add_image, then record them. */
  async confirmUpload(
    gridIdInput: string | undefined,
    uploadIdInput: string,
  ): Promise<ImageRecord> {
    const gridId = parseGridId(gridIdInput);
    const uploadId = parseImageId(uploadIdInput);
    const staged = stagingKey(gridId, uploadId);
    const info = await this.objects.head('source', staged);
    if (!info) {
      throw new GridBuilderError(
        'not_found',
        `No bytes were uploaded for upload ${uploadId}: PUT the image to its upload_url first (links expire after ${this.settings.urlExpiresSeconds} s).`,
      );
    }
    try {
      if (info.size > this.settings.maxUploadBytes) {
        throw new GridBuilderError(
          'too_large',
          `The upload is ${info.size} bytes; the limit is ${this.settings.maxUploadBytes} bytes.`,
        );
      }
      return await this.storeImage(gridId, uploadId, await this.objects.get('source', staged));
    } finally {
      await this.objects.delete('source', [staged]);
    }
  }

  /** The lab's generate_grid, answered from the stored result when nothing changed. */
  async buildGrid(gridIdInput: string | undefined, options: GridOptions = {}): Promise<BuiltGrid> {
    const gridId = parseGridId(gridIdInput);
    const tileSize = options.tileSize ?? this.settings.defaultTileSize;
    const format = options.format ?? 'jpeg';
    const records = await this.index.list(gridId);
    if (records.length === 0) {
      throw new GridBuilderError(
        'not_found',
        `Grid "${gridId}" has no images: add some with POST /add_image?uniqueGridId=${gridId} first.`,
      );
    }
    const { columns, rows } = gridLayout(records.length, options.columns);
    const width = columns * tileSize;
    const height = rows * tileSize;
    checkOutputSize(width, height, format, this.settings);

    const key = gridKey(
      gridId,
      gridVersion(records, tileSize, columns, format),
      OUTPUT_FORMATS[format].extension,
    );
    const cached = (await this.objects.head('destination', key)) !== undefined;
    if (!cached) {
      const image = await this.builds.run(() =>
        composeGrid({
          count: records.length,
          loadSource: async (i) => {
            const { key } = records[i] as ImageRecord;
            const bytes = await this.objects.get('source', key);
            return { bytes, file: this.objects.fileOf?.('source', key) };
          },
          columns,
          rows,
          tileSize,
          format,
          inFlight: this.settings.buildInFlight,
          decodes: this.settings.decodeConcurrency,
        }),
      );
      await this.objects.put('destination', key, image, OUTPUT_FORMATS[format].contentType);
    }
    const link = await this.sign('destination', key, 'get');
    return {
      key,
      width,
      height,
      columns,
      rows,
      imageCount: records.length,
      tileSize,
      format,
      cached,
      ...link,
    };
  }

  /** The grid's images in upload order, each with a link to the source image. */
  async listImages(
    gridIdInput: string | undefined,
  ): Promise<{ gridId: string; images: GridImage[] }> {
    const gridId = parseGridId(gridIdInput);
    const records = await this.index.list(gridId);
    const images = await Promise.all(
      records.map(async (record) => ({
        ...record,
        url: (await this.sign('source', record.key, 'get')).url,
      })),
    );
    return { gridId, images };
  }

  async deleteImage(gridIdInput: string | undefined, imageIdInput: string): Promise<ImageRecord> {
    const gridId = parseGridId(gridIdInput);
    const imageId = parseImageId(imageIdInput);
    const record = (await this.index.list(gridId)).find((r) => r.imageId === imageId);
    if (!record) {
      throw new GridBuilderError('not_found', `Grid "${gridId}" has no image ${imageId}.`);
    }
    // Record first, object second: a crash in between leaves an unrecorded object
    // (swept later), never a record without its object.
    await this.index.remove(gridId, [record.key]);
    await this.objects.delete('source', [record.key]);
    return record;
  }

  /** Removes every image, record, pending upload and built grid of the grid. */
  async deleteGrid(
    gridIdInput: string | undefined,
  ): Promise<{ gridId: string; deletedImages: number }> {
    const gridId = parseGridId(gridIdInput);
    const keys = (await this.index.list(gridId)).map((r) => r.key);
    await this.index.remove(gridId, keys);
    const [sources, staged, built] = await Promise.all([
      this.objects.list('source', gridPrefix(gridId)),
      this.objects.list('source', `${STAGING_PREFIX}${gridPrefix(gridId)}`),
      this.objects.list('destination', gridPrefix(gridId)),
    ]);
    await Promise.all([
      this.objects.delete('source', [...new Set([...keys, ...sources, ...staged])]),
      this.objects.delete('destination', built),
    ]);
    return { gridId, deletedImages: keys.length };
  }

  /** Resolves when both stores answer. */
  async health(): Promise<void> {
    await Promise.all([this.objects.ping(), this.index.ping()]);
  }

  private async storeImage(gridId: string, imageId: string, bytes: Buffer): Promise<ImageRecord> {
    if (bytes.length > this.settings.maxUploadBytes) {
      throw new GridBuilderError(
        'too_large',
        `The image is ${bytes.length} bytes; the limit is ${this.settings.maxUploadBytes} bytes.`,
      );
    }
    const probed = await this.validations.run(() =>
      probeImage(bytes, this.settings.maxInputPixels),
    );
    const record: ImageRecord = {
      gridId,
      key: sourceKey(gridId, imageId, probed.extension),
      imageId,
      size: bytes.length,
      width: probed.width,
      height: probed.height,
      format: probed.format,
      contentType: probed.contentType,
      uploadedAt: new Date().toISOString(),
    };
    await this.objects.putNew('source', record.key, bytes, record.contentType);
    try {
      await this.index.add(record);
    } catch (error) {
      // Not acknowledged, so take the image back. A failed add may still have been
      // applied (the answer was lost, not the write), so the record goes first; only
      // once it is surely gone may the object go. If either step fails the object
      // stays behind unrecorded, for the sweep: never a record without its object.
      try {
        await this.index.remove(gridId, [record.key]);
        await this.objects.delete('source', [record.key]);
      } catch {
        // Left for the sweep (local) or the lifecycle rules (AWS).
      }
      throw error;
    }
    return record;
  }

  private async sign(bucket: Bucket, key: string, method: 'get' | 'put'): Promise<SignedLink> {
    const expires = this.settings.urlExpiresSeconds;
    const expiresAt = new Date(Date.now() + expires * 1000).toISOString();
    const url =
      method === 'get'
        ? await this.objects.presignGet(bucket, key, expires)
        : await this.objects.presignPut(bucket, key, expires);
    return { url, expiresAt };
  }
}

/**
 * Changes whenever an image is added or removed (ids are never reused) or an option
 * changes, so an unchanged grid maps to the key of its stored result.
 */
function gridVersion(
  records: readonly ImageRecord[],
  tileSize: number,
  columns: number,
  format: string,
): string {
  const hash = createHash('sha256');
  hash.update(`${tileSize}:${columns}:${format}\n`);
  for (const record of records) hash.update(`${record.key}\n`);
  return hash.digest('hex').slice(0, 24);
}
