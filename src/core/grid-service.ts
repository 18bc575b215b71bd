import { createHash } from 'node:crypto';
import { Admission } from './admission.js';
import { estimateBuildSeconds } from './build-estimate.js';
import {
  BUILD_KEPT_MS,
  BUILD_RUNS,
  type BuildStatus,
  exhausted,
  failedWith,
  isFinalBuildError,
  ProgressWriter,
  statusOf,
} from './builds.js';
import { GridBuilderError, isErrorKind } from './errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.js';
import {
  type Crop,
  checkOutputSize,
  DEFAULT_BACKGROUND,
  DEFAULT_CROP,
  DEFAULT_LABELS,
  DEFAULT_LAYOUT,
  type GridOptions,
  justifiedWidthProblem,
  type Labels,
  type Layout,
} from './grid-options.js';
import {
  gridKey,
  gridPrefix,
  idTime,
  imageIdOfKey,
  imageOfRenditionKey,
  isOlderThan,
  newImageId,
  parseBuildId,
  parseGridId,
  parseImageId,
  renditionKey,
  renditionPrefix,
  STAGING_PREFIX,
  sourceKey,
  stagingKey,
} from './ids.js';
import { parseImageName } from './image-name.js';
import { InProcessBuildRunner } from './in-process-build-runner.js';
import {
  type Box,
  defaultWidth,
  gridLayout,
  gridPlacement,
  gridSize,
  placeTiles,
  type TilePlacement,
} from './layout.js';
import { DEFAULT_PAGE_LIMIT, decodeCursor, encodeCursor, PAGE_BYTES } from './listing-pages.js';
import {
  arrange,
  checkNewOrder,
  checkPlacement,
  indexAfter,
  type Placement,
  positionOf,
} from './order.js';
import type {
  BuildOptions,
  BuildRecord,
  BuildRunner,
  GridIndex,
  GridShape,
  ImageRecord,
  Imaging,
  ObjectStore,
  RenditionRequests,
  TileRequest,
} from './ports.js';
import { renditionCovering } from './renditions.js';
import { checkUploadSize, overLimit } from './upload-size.js';

/** A build that found an image deleted under it starts over this often before giving up. */
const BUILD_ATTEMPTS = 3;

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
  /** Grid builds composing at once (each holds one raw canvas in memory). */
  maxConcurrentBuilds: number;
  /** Uploads being validated (decoded) at once. */
  maxConcurrentValidations: number;
  /** Builds or validations that may wait for a slot (each). */
  maxQueued: number;
  /** How long one may wait before it is answered `overloaded`. */
  queueTimeoutMs: number;
  /** Cores the decodes share: decodes beyond them only queue (for the build estimate). */
  cores: number;
  /** A build expected to take longer runs in the background (SYNC_BUILD_SECONDS). */
  syncBuildSeconds: number;
  /** Background builds waiting or running in this process, by the default runner. */
  maxBackgroundBuilds: number;
  /** A running build with no progress written for this long is reported failed. */
  buildStallSeconds: number;
  /**
   * An unrecorded object younger than this may be an upload between its two writes
   * (object stored, record not yet written), so deletes spare it; and a two-step upload
   * may be confirmed this long after its link expired (GC_GRACE_SECONDS).
   */
  graceMs: number;
}

export interface SignedLink {
  url: string;
  expiresAt: string;
}

export interface GridImage extends ImageRecord {
  url: string;
  /** A small copy, for thumbnails. */
  previewUrl: string;
}

/** Which page of a grid's listing to give (src/core/listing-pages.ts). */
export interface PageRequest {
  /** Images at most; DEFAULT_PAGE_LIMIT when not given. */
  limit?: number | undefined;
  /** The `nextCursor` of the page before; the first page when not given. */
  cursor?: string | undefined;
  /** The bytes an image takes in the answer, for the byte budget; none when not given. */
  sizeOf?: ((image: GridImage) => number) | undefined;
}

export interface ImagePage {
  gridId: string;
  /** Images in the grid, on every page. */
  imageCount: number;
  images: GridImage[];
  /** Where the next page starts; undefined on the last page. */
  nextCursor: string | undefined;
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
  crop: Crop;
  gap: number;
  background: string;
  layout: Layout;
  labels: Labels;
  /** True when an identical earlier build was reused. */
  cached: boolean;
}

export interface PendingUpload extends SignedLink {
  uploadId: string;
}

/** What a build request got: the grid now, or a build started in the background. */
export type BuildAnswer = { built: BuiltGrid } | { started: BuildStatus };

/** A grid's build worked out before any pixel: its images, layout and result's key. */
interface BuildPlan {
  gridId: string;
  records: ImageRecord[];
  options: BuildOptions;
  /** Where each image goes, in `records` order. */
  placement: TilePlacement;
  /** Changes with any image or option (gridVersion): the key's, and an async build's id. */
  version: string;
  key: string;
}

/**
 * Everything GridBuilder does, in terms of the two storage ports and the imaging
 * port. Knows nothing of HTTP, files, codecs or AWS; every edge (HTTP app, Lambda, CLI, benchmarks) goes through it.
 */
export class GridService {
  /** Bounds the expensive work (decodes and canvases), so a burst gets 503s, not an OOM. */
  private readonly builds: Admission;
  private readonly validations: Admission;
  private readonly runner: BuildRunner;
  /** The runner when it is this process's own, so whenIdle waits for its builds. */
  private readonly background: InProcessBuildRunner | undefined;

  constructor(
    private readonly objects: ObjectStore,
    private readonly index: GridIndex,
    private readonly imaging: Imaging,
    readonly settings: GridServiceSettings,
    private readonly renditions?: RenditionRequests,
    runner?: BuildRunner,
  ) {
    if (runner) {
      this.runner = runner;
    } else {
      this.background = new InProcessBuildRunner({
        run: (gridId, buildId) => this.runBuild(gridId, buildId),
        limit: settings.maxBackgroundBuilds,
        attempts: BUILD_RUNS,
      });
      this.runner = this.background;
    }
    const queue = { maxQueued: settings.maxQueued, queueTimeoutMs: settings.queueTimeoutMs };
    this.builds = new Admission('grid builds', {
      concurrency: settings.maxConcurrentBuilds,
      ...queue,
    });
    this.validations = new Admission('uploads', {
      concurrency: settings.maxConcurrentValidations,
      ...queue,
    });
  }

  /** The lab's add_image: validate, store the object, then record it. */
  async addImage(
    gridIdInput: string | undefined,
    bytes: Buffer,
    placement?: Placement,
    nameInput?: string,
  ): Promise<ImageRecord> {
    const gridId = parseGridId(gridIdInput);
    const name = parseImageName(nameInput);
    const imageId = newImageId();
    return this.storeImage(gridId, imageId, positionOf(imageId, placement), bytes, name);
  }

  /**
   * Step one of a two-step upload: a URL to PUT exactly `size` bytes to. A name is kept
   * in the index for the confirm, not carried by the confirm's URL as the placement is:
   * whoever confirms cannot change it.
   */
  async createUpload(
    gridIdInput: string | undefined,
    size: number,
    placement?: Placement,
    nameInput?: string,
  ): Promise<PendingUpload> {
    const gridId = parseGridId(gridIdInput);
    // Refused now rather than at the confirm, before any byte is sent.
    checkUploadSize(size, this.settings.maxUploadBytes);
    checkPlacement(placement);
    const name = parseImageName(nameInput);
    const uploadId = newImageId();
    if (name !== undefined) {
      await this.index.putUpload(gridId, uploadId, { name }, this.uploadUsableUntil(uploadId));
    }
    const key = stagingKey(gridId, uploadId);
    const link = await this.sign((expires) =>
      this.objects.presignPut('source', key, size, expires),
    );
    return { uploadId, ...link };
  }

  /**
   * Step two: validate the uploaded bytes exactly like add_image, then record them under
   * a new image id, so the image takes its place in the grid now. The first confirm
   * claims the upload in the index; every later one (in parallel, or after the link
   * was used again) gets a 409: a link adds one image, and a key is never reused.
   */
  async confirmUpload(
    gridIdInput: string | undefined,
    uploadIdInput: string,
    placement?: Placement,
  ): Promise<ImageRecord> {
    const gridId = parseGridId(gridIdInput);
    const uploadId = parseImageId(uploadIdInput);
    checkPlacement(placement);
    const staged = stagingKey(gridId, uploadId);
    const noBytes = new GridBuilderError(
      'not_found',
      `No bytes are waiting for upload ${uploadId}: PUT the image to its upload_url first (links expire after ${this.settings.urlExpiresSeconds} s). A confirmed upload is in the grid's listing already.`,
      { code: 'upload_not_found' },
    );
    const keepUntil = this.uploadUsableUntil(uploadId);
    if (keepUntil.getTime() < Date.now()) {
      throw new GridBuilderError(
        'not_found',
        `Upload ${uploadId} has expired: ask for a new upload link (POST /grids/${gridId}/uploads).`,
        { code: 'upload_not_found' },
      );
    }
    if (!(await this.objects.head('source', staged))) throw noBytes;
    if (!(await this.index.claimUpload(gridId, uploadId, keepUntil))) {
      throw new GridBuilderError(
        'conflict',
        `Upload ${uploadId} was already confirmed: an upload link adds one image. Ask for a new upload link (POST /grids/${gridId}/uploads) to add another.`,
        { code: 'upload_used' },
      );
    }
    try {
      const bytes = await this.objects.get('source', staged).catch((error) => {
        // Gone since the HEAD: the grid was deleted meanwhile.
        throw isErrorKind(error, 'not_found') ? noBytes : error;
      });
      const { name } = (await this.index.getUpload(gridId, uploadId)) ?? {};
      const imageId = newImageId();
      return await this.storeImage(gridId, imageId, positionOf(imageId, placement), bytes, name);
    } finally {
      await this.objects.delete('source', [staged]);
    }
  }

  /**
   * The lab's generate_grid, answered from the stored result when nothing changed. An
   * image deleted while its grid is built (record first, then object) makes the build
   * start over from a fresh listing, so it shows the images that still exist.
   */
  async buildGrid(gridIdInput: string | undefined, options: GridOptions = {}): Promise<BuiltGrid> {
    const gridId = parseGridId(gridIdInput);
    return this.buildWithRetries(gridId, options, { patient: false });
  }

  /**
   * generate_grid as a client may ask for it: the stored grid when nothing changed;
   * else a build in the background when it would not fit the synchronous budget
   * (src/core/build-estimate.ts) or, when the client prefers the background, the time
   * it would wait (`waitSeconds`, none by default); else the build, now. The build's id
   * is the grid's version: an identical request while it runs gets it again.
   */
  async requestBuild(
    gridIdInput: string | undefined,
    options: GridOptions = {},
    { preferAsync = false, waitSeconds = 0 }: { preferAsync?: boolean; waitSeconds?: number } = {},
  ): Promise<BuildAnswer> {
    const gridId = parseGridId(gridIdInput);
    const plan = await this.plan(gridId, options);
    if (await this.objects.head('destination', plan.key)) {
      return { built: await this.builtGrid(plan, true) };
    }
    // The estimate takes every tile for a square of tileSize: a justified box has about
    // that short side, or less (a portrait's), which decodes no more. Tiles the imaging
    // kept from an earlier build at these sizes are copied, not decoded.
    const held = this.imaging.tilesHeld?.(tilesOf(plan)) ?? 0;
    const seconds = estimateBuildSeconds(
      plan.records,
      plan.options.tileSize,
      Math.min(this.settings.decodeConcurrency, this.settings.cores),
      held,
    );
    const budget = this.settings.syncBuildSeconds;
    if (seconds <= (preferAsync ? Math.min(waitSeconds, budget) : budget)) {
      return { built: await this.buildWithRetries(gridId, options, { patient: false }, plan) };
    }
    return { started: await this.startBuild(plan) };
  }

  private async startBuild(plan: BuildPlan): Promise<BuildStatus> {
    const buildId = plan.version;
    const earlier = await this.index.getBuild(plan.gridId, buildId);
    if (earlier && statusOf(earlier, this.stallMs).status === 'running') {
      return statusOf(earlier, this.stallMs);
    }
    const now = new Date().toISOString();
    const record: BuildRecord = {
      gridId: plan.gridId,
      buildId,
      status: 'running',
      tilesDone: 0,
      tilesTotal: plan.records.length,
      options: plan.options,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    await this.putBuild(record);
    try {
      await this.runner.start(plan.gridId, buildId);
    } catch (error) {
      // Not handed over: recorded as failed, so that asking again starts it anew.
      await this.putBuild({ ...record, ...failedWith(error), updatedAt: new Date().toISOString() });
      throw error;
    }
    return statusOf(record, this.stallMs);
  }

  /**
   * Runs a recorded build (the worker's part): reads its record, and unless it is still
   * running returns at once (a retry of a build that ended). Writes progress while it
   * builds and the outcome at the end: done, or failed with the error a synchronous
   * build would have answered. An error that may pass (storage) is thrown, for the
   * runner to run it again, until the last of BUILD_RUNS runs records it as failed.
   */
  async runBuild(gridId: string, buildId: string): Promise<void> {
    const recorded = await this.index.getBuild(gridId, buildId);
    if (recorded?.status !== 'running') return;
    const record = { ...recorded, attempts: recorded.attempts + 1, tilesDone: 0 };
    const progress = new ProgressWriter(record, (update) => this.putBuild(update));
    await progress.write();
    try {
      const built = await this.buildWithRetries(gridId, record.options, {
        patient: true,
        onPlan: (plan) => progress.begin(plan.records.length),
        onTile: () => progress.tile(),
      });
      const { width, height, columns, rows } = built;
      await progress.end({
        status: 'done',
        key: built.key,
        shape: { width, height, columns, rows },
      });
    } catch (error) {
      if (!isFinalBuildError(error) && record.attempts < BUILD_RUNS) {
        await progress.settled();
        throw error;
      }
      await progress.end(
        isFinalBuildError(error) ? failedWith(error) : exhausted(error, record.attempts),
      );
    }
  }

  /**
   * Hands the builds recorded as running to the runner again: those an earlier process on
   * this storage acknowledged (202) but stopped before finishing (a shutdown past its
   * grace, a crash). Called once at start-up, before requests arrive. runBuild reads the
   * record and builds, so a run is safe to repeat. A stalled build was already reported
   * failed to its client, and is left so; one that has used its BUILD_RUNS runs (each
   * start counts one, so a build that brings its process down is not run forever) is
   * recorded as failed; one the runner refuses is recorded failed with its error, as
   * startBuild does. Only an index that lists running builds (the local one) has any.
   * Returns how many were handed over.
   */
  async resumeBuilds(): Promise<number> {
    let resumed = 0;
    for (const record of (await this.index.runningBuilds?.()) ?? []) {
      if (statusOf(record, this.stallMs).status !== 'running') continue;
      const ended = (change: Pick<BuildRecord, 'status' | 'error'>) =>
        this.putBuild({ ...record, ...change, updatedAt: new Date().toISOString() });
      if (record.attempts >= BUILD_RUNS) {
        await ended(exhausted(new Error('the server stopped while building it'), record.attempts));
        continue;
      }
      try {
        await this.runner.start(record.gridId, record.buildId);
        resumed++;
      } catch (error) {
        await ended(failedWith(error));
      }
    }
    return resumed;
  }

  /**
   * Stops running background builds again in this process, at its close: a build still
   * under way is left to the next process on the storage (resumeBuilds).
   */
  stopBackgroundBuilds(): void {
    this.background?.stop();
  }

  /**
   * Where a build stands: 404 `build_not_found` when none is recorded under that id, or
   * when it is done but its grid was removed since (the grid deleted, or housekeeping);
   * when done, the grid with a fresh link. A grid built again under the build's key is
   * the same images and options built again, so that build is done again.
   */
  async buildStatus(gridIdInput: string | undefined, buildIdInput: string): Promise<BuildStatus> {
    const gridId = parseGridId(gridIdInput);
    const buildId = parseBuildId(buildIdInput);
    const record = await this.index.getBuild(gridId, buildId);
    if (!record) {
      throw new GridBuilderError(
        'not_found',
        `Grid "${gridId}" has no build ${buildId}: builds are kept for a day. Start it again with POST /generate_grid?uniqueGridId=${gridId}.`,
        { code: 'build_not_found' },
      );
    }
    const status = statusOf(record, this.stallMs);
    if (status.status !== 'done' || record.key === undefined) return status;
    const { key, tilesTotal } = record;
    // A link to a grid removed since would only answer 404 or 403.
    if (!(await this.objects.head('destination', key))) {
      throw new GridBuilderError(
        'not_found',
        `Build ${buildId} of grid "${gridId}" was done, but its grid image was removed since (the grid deleted, or its built grids cleaned up). Build it again with POST /generate_grid?uniqueGridId=${gridId} and the same options.`,
        { code: 'build_not_found' },
      );
    }
    const options = withDefaults(record.options, tilesTotal);
    const link = await this.sign((expires) => this.objects.presignGet('destination', key, expires));
    // Records written before justified layouts have no shape: they were square grids.
    const { tileSize, gap, columns } = options;
    const shape = record.shape ?? gridPlacement(tilesTotal, tileSize, gap, columns);
    const built = describeGrid(key, options, shape, tilesTotal, false, link);
    return { ...status, built };
  }

  /** When an upload's link, and then its grace period, is over: its confirm is refused after. */
  private uploadUsableUntil(uploadId: string): Date {
    const usableMs = this.settings.urlExpiresSeconds * 1000 + this.settings.graceMs;
    return new Date(idTime(uploadId) + usableMs);
  }

  private get stallMs(): number {
    return this.settings.buildStallSeconds * 1000;
  }

  private putBuild(record: BuildRecord): Promise<void> {
    return this.index.putBuild(record, new Date(Date.now() + BUILD_KEPT_MS));
  }

  /** Builds from `firstPlan` when given, and from a fresh listing on each retry. */
  private async buildWithRetries(
    gridId: string,
    options: GridOptions,
    how: BuildHow,
    firstPlan?: BuildPlan,
  ): Promise<BuiltGrid> {
    for (let attempt = 1; ; attempt++) {
      try {
        const plan = attempt === 1 && firstPlan ? firstPlan : await this.plan(gridId, options);
        return await this.buildOnce(plan, how);
      } catch (error) {
        if (!(error instanceof SourceDeleted)) throw error;
        if (attempt === BUILD_ATTEMPTS) {
          throw new GridBuilderError(
            'conflict',
            `Images of grid "${gridId}" were deleted while it was being built, ${BUILD_ATTEMPTS} times in a row: build it again once they are.`,
            { code: 'grid_changed' },
          );
        }
      }
    }
  }

  private async buildOnce(plan: BuildPlan, how: BuildHow): Promise<BuiltGrid> {
    how.onPlan?.(plan);
    const { records } = plan;
    const { format, background, labels } = plan.options;
    const { placement } = plan;
    const cached = (await this.objects.head('destination', plan.key)) !== undefined;
    if (!cached) {
      let copied = 0;
      const compose = () =>
        this.imaging.composeGrid({
          ...tilesOf(plan),
          loadSource: (i) => this.loadSource(records[i] as ImageRecord, placement.boxes[i] as Box),
          format,
          background,
          label: labels === 'name' ? (i) => (records[i] as ImageRecord).name : undefined,
          inFlight: this.settings.buildInFlight,
          decodes: this.settings.decodeConcurrency,
          onTile: (tile) => {
            if (tile.cached) copied++;
            how.onTile?.();
          },
        });
      const image = await (how.patient
        ? this.builds.runPatiently(compose)
        : this.builds.run(compose));
      if (copied > 0) await this.checkStillListed(plan);
      await this.objects.put('destination', plan.key, image, OUTPUT_FORMATS[format].contentType);
    }
    return this.builtGrid(plan, cached);
  }

  /**
   * A tile copied from an earlier build reads no source, so it cannot find its image
   * deleted as a read does: one listing tells, after the copies.
   */
  private async checkStillListed({ gridId, records }: BuildPlan) {
    const listed = new Set((await this.index.list(gridId)).map((record) => record.key));
    if (records.some((record) => !listed.has(record.key))) throw new SourceDeleted();
  }

  /** The grid's images and layout, checked: a build of them can be done. */
  private async plan(gridId: string, options: GridOptions): Promise<BuildPlan> {
    const tileSize = options.tileSize ?? this.settings.defaultTileSize;
    const format = options.format ?? 'jpeg';
    const { records } = await this.arranged(gridId);
    this.requestMissingRenditions(records);
    if (records.length === 0) {
      throw new GridBuilderError(
        'not_found',
        `Grid "${gridId}" has no images: add some with POST /add_image?uniqueGridId=${gridId} first.`,
        { code: 'grid_empty' },
      );
    }
    const { columns } = gridLayout(records.length, options.columns);
    const aspects = records.map((record) => record.width / record.height);
    const gap = options.gap ?? 0;
    // With the columns asked, not those resolved: none asked lets the photos decide.
    const width =
      options.width ?? defaultWidth(aspects, { tileSize, gap, columns: options.columns });
    const resolved = withDefaults({ ...options, tileSize, columns, format, width }, aspects.length);
    const widthProblem = justifiedWidthProblem(resolved.width, resolved.gap);
    if (widthProblem) {
      throw new GridBuilderError('invalid_request', widthProblem, {
        code: 'invalid_parameter',
        param: 'width',
      });
    }
    const placement = placeTiles(aspects, resolved);
    // The image's own width: a width asked of a grid layout changes nothing.
    const planned = { ...resolved, width: placement.width };
    checkOutputSize(placement.width, placement.height, format, this.settings, resolved.layout);
    const version = gridVersion(records, planned);
    const key = gridKey(gridId, version, OUTPUT_FORMATS[format].extension);
    return { gridId, records, options: planned, placement, version, key };
  }

  private async builtGrid(plan: BuildPlan, cached: boolean): Promise<BuiltGrid> {
    const link = await this.sign((expires) =>
      this.objects.presignGet('destination', plan.key, expires),
    );
    return describeGrid(plan.key, plan.options, plan.placement, plan.records.length, cached, link);
  }

  /**
   * A page of the grid's images in the grid's order, each with its links: at most
   * `limit`, after the place `cursor` names, and no more than fit in PAGE_BYTES (one at
   * least). Every record is read, since a stored order may put any image anywhere; only
   * the page's images are signed, one after another until the page is full.
   */
  async listImages(gridIdInput: string | undefined, page: PageRequest = {}): Promise<ImagePage> {
    const gridId = parseGridId(gridIdInput);
    const after = page.cursor === undefined ? undefined : decodeCursor(gridId, page.cursor);
    const { records, order } = await this.arranged(gridId);
    this.requestMissingRenditions(records);
    const rest = after ? records.slice(indexAfter(records, order, after)) : records;
    const images: GridImage[] = [];
    let bytes = 0;
    for (const record of rest.slice(0, page.limit ?? DEFAULT_PAGE_LIMIT)) {
      const image = await this.withLinks(record);
      bytes += page.sizeOf?.(image) ?? 0;
      if (images.length > 0 && bytes > PAGE_BYTES) break;
      images.push(image);
    }
    const last = images.at(-1);
    const more = last !== undefined && images.length < rest.length;
    return {
      gridId,
      imageCount: records.length,
      images,
      nextCursor: more ? encodeCursor(last) : undefined,
    };
  }

  private async withLinks(record: ImageRecord): Promise<GridImage> {
    return {
      ...record,
      url: (await this.sign((expires) => this.objects.presignGet('source', record.key, expires)))
        .url,
      previewUrl: await this.previewUrl(record),
    };
  }

  /**
   * Puts the grid's images in a new order: `imageIds` names each exactly once. Stored in
   * one write, so a build sees the old order or the new one; an image uploaded meanwhile
   * (not named) follows the named ones, and one deleted meanwhile is left out.
   */
  async reorder(gridIdInput: string | undefined, imageIds: readonly string[]): Promise<string[]> {
    const gridId = parseGridId(gridIdInput);
    checkNewOrder(gridId, await this.index.list(gridId), imageIds);
    await this.index.setOrder(gridId, imageIds);
    return [...imageIds];
  }

  async deleteImage(gridIdInput: string | undefined, imageIdInput: string): Promise<ImageRecord> {
    const gridId = parseGridId(gridIdInput);
    const imageId = parseImageId(imageIdInput);
    const record = await this.index.find(gridId, imageId);
    if (!record) {
      throw new GridBuilderError('not_found', `Grid "${gridId}" has no image ${imageId}.`, {
        code: 'image_not_found',
      });
    }
    // Record first, object second: a crash in between leaves an unrecorded object
    // (swept later), never a record without its object.
    await this.index.remove(gridId, [record.key]);
    // Listed after the record is gone: a rendition stored later is taken back by its
    // maker, whose record write then fails (src/core/renditions.ts).
    const renditions = await this.objects.list('source', renditionPrefix(gridId, imageId));
    await this.objects.delete('source', [record.key, ...renditions]);
    return record;
  }

  /**
   * Removes every image, record, pending upload and built grid of the grid. Of the
   * source objects and renditions, only those of its removed records, and unrecorded
   * ones older than the grace period: a younger one may be an upload between its two writes,
   * whose record comes after this listing and which is then answered 200, so it keeps
   * its object (and the grid that one image).
   */
  async deleteGrid(
    gridIdInput: string | undefined,
  ): Promise<{ gridId: string; deletedImages: number }> {
    const gridId = parseGridId(gridIdInput);
    const keys = (await this.index.list(gridId)).map((r) => r.key);
    await this.index.remove(gridId, keys);
    await this.index.setOrder(gridId, []);
    const [sources, staged, renditions, built] = await Promise.all([
      this.objects.list('source', gridPrefix(gridId)),
      this.objects.list('source', `${STAGING_PREFIX}${gridPrefix(gridId)}`),
      this.objects.list('source', renditionPrefix(gridId)),
      this.objects.list('destination', gridPrefix(gridId)),
    ]);
    const leftovers = sources.filter((key) =>
      isOlderThan(imageIdOfKey(key), this.settings.graceMs),
    );
    // Like the sources: an image recorded after the listing keeps its renditions, which
    // its record names (its previews link to them).
    const removedIds = new Set(keys.map(imageIdOfKey));
    const oldRenditions = renditions.filter((key) => {
      const imageId = imageOfRenditionKey(key)?.imageId ?? '';
      return removedIds.has(imageId) || isOlderThan(imageId, this.settings.graceMs);
    });
    await Promise.all([
      this.objects.delete('source', [
        ...new Set([...keys, ...leftovers, ...staged, ...oldRenditions]),
      ]),
      this.objects.delete('destination', built),
    ]);
    return { gridId, deletedImages: keys.length };
  }

  /**
   * Resolves once no upload is being validated and no grid built or waiting to be:
   * background work (renditions) waits for this, so requests come first.
   */
  async whenIdle(): Promise<void> {
    const busy = () =>
      this.builds.active > 0 || this.validations.active > 0 || (this.background?.active ?? 0) > 0;
    while (busy()) {
      await Promise.all([
        this.builds.whenIdle(),
        this.validations.whenIdle(),
        this.background?.settled(),
      ]);
    }
  }

  /** Resolves when both stores answer. */
  async health(): Promise<void> {
    await Promise.all([this.objects.ping(), this.index.ping()]);
  }

  /**
   * What a tile is cut from: the smallest rendition that covers its box (a rendition's
   * size is its short side, so the box's short side), when one is recorded and still
   * stored (one made by an earlier configuration may be gone), else the original.
   */
  private async loadSource(record: ImageRecord, box: Box) {
    const size = renditionCovering(record, Math.min(box.width, box.height));
    if (size !== undefined) {
      try {
        return await this.objects.getSource(renditionKey(record.key, size));
      } catch (error) {
        if (!isErrorKind(error, 'not_found')) throw error;
      }
    }
    return this.objects.getSource(record.key).catch((error) => {
      throw isErrorKind(error, 'not_found') ? new SourceDeleted() : error;
    });
  }

  /** The smallest rendition once made, else the store's own preview (or the original). */
  private previewUrl(record: ImageRecord): Promise<string> {
    const expires = this.settings.urlExpiresSeconds;
    const size = renditionCovering(record, 0);
    return size === undefined
      ? this.objects.presignPreview(record.key, expires)
      : this.objects.presignGet('source', renditionKey(record.key, size), expires);
  }

  /**
   * Asks for the renditions of records that have none yet: images stored before
   * renditions existed, or whose request was dropped or lost in a restart.
   */
  private requestMissingRenditions(records: readonly ImageRecord[]): void {
    this.renditions?.request(records.filter((r) => !r.renditions).map((r) => r.key));
  }

  /** The grid's records as the grid shows them (its stored order first), and that order. */
  private async arranged(
    gridId: string,
  ): Promise<{ records: ImageRecord[]; order: string[] | undefined }> {
    const [records, order] = await Promise.all([
      this.index.list(gridId),
      this.index.getOrder(gridId),
    ]);
    return { records: arrange(records, order), order };
  }

  private async storeImage(
    gridId: string,
    imageId: string,
    position: string,
    bytes: Buffer,
    name: string | undefined,
  ): Promise<ImageRecord> {
    if (bytes.length > this.settings.maxUploadBytes) {
      throw overLimit(bytes.length, this.settings.maxUploadBytes);
    }
    const probed = await this.validations.run(() =>
      this.imaging.probe(bytes, this.settings.maxInputPixels),
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
      position,
      ...(name !== undefined && { name }),
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
        // Left for the sweep (src/app/sweep-storage.ts).
      }
      throw error;
    }
    this.renditions?.request([record.key]);
    return record;
  }

  /** A link from `presign`, valid for URL_EXPIRES_SECONDS, and when it expires. */
  private async sign(presign: (expiresInSeconds: number) => Promise<string>): Promise<SignedLink> {
    const expires = this.settings.urlExpiresSeconds;
    const expiresAt = new Date(Date.now() + expires * 1000).toISOString();
    return { url: await presign(expires), expiresAt };
  }
}

/** A source object was gone when the build read it: its image was deleted meanwhile. */
class SourceDeleted extends Error {}

/** How a build runs: a client's (bounded wait for a slot) or a background one's. */
interface BuildHow {
  /** Waits for a build slot however long it takes (a background build). */
  patient: boolean;
  onPlan?: (plan: BuildPlan) => void;
  onTile?: () => void;
}

/** What the imaging keys the plan's tiles by: the build and its estimate ask alike. */
function tilesOf({ placement, records, options }: BuildPlan): TileRequest {
  return {
    placement,
    sourceKey: (i) => (records[i] as ImageRecord).key,
    crop: options.crop,
  };
}

/**
 * Changes whenever an image is added, removed or moved (ids and keys are never reused:
 * a confirm makes a new id, and an upload link adds one image) or an option
 * changes, so an unchanged grid maps to the key of its stored result.
 */
function gridVersion(
  records: readonly ImageRecord[],
  { tileSize, columns, format, crop, gap, background, layout, width, labels }: BuildOptions,
): string {
  const hash = createHash('sha256');
  // Defaults add nothing: grids stored before an option could be chosen keep their key.
  // A grid layout's width follows from the rest; a justified one's is its own.
  const cropPart = crop === DEFAULT_CROP ? '' : `:${crop}`;
  const gapPart = gap === 0 ? '' : `:gap=${gap}`;
  const backgroundPart = background === DEFAULT_BACKGROUND ? '' : `:bg=${background}`;
  const layoutPart = layout === DEFAULT_LAYOUT ? '' : `:${layout}:width=${width}`;
  // An image's name never changes (there is no rename): its key stands for it.
  const labelsPart = labels === DEFAULT_LABELS ? '' : `:labels=${labels}`;
  hash.update(
    `${tileSize}:${columns}:${format}${cropPart}${gapPart}${backgroundPart}${layoutPart}${labelsPart}\n`,
  );
  for (const record of records) hash.update(`${record.key}\n`);
  return hash.digest('hex').slice(0, 24);
}

/**
 * Every option of a build of `imageCount` images resolved; a build record written
 * before an option could be chosen has none of it, and was built with its default.
 */
function withDefaults(
  options: Partial<BuildOptions> & Pick<BuildOptions, 'tileSize' | 'columns' | 'format'>,
  imageCount: number,
): BuildOptions {
  const { tileSize, columns, format } = options;
  const gap = options.gap ?? 0;
  return {
    tileSize,
    columns,
    format,
    crop: options.crop ?? DEFAULT_CROP,
    gap,
    background: options.background ?? DEFAULT_BACKGROUND,
    layout: options.layout ?? DEFAULT_LAYOUT,
    // Records from before layouts were square grids: the grid's width.
    width: options.width ?? gridSize(gridLayout(imageCount, columns), tileSize, gap).width,
    labels: options.labels ?? DEFAULT_LABELS,
  };
}

/**
 * The answer's description of a built grid: its options, and the size, rows and
 * columns of its placement (a justified one's `columns` is the most photos in a row).
 */
function describeGrid(
  key: string,
  options: BuildOptions,
  { width, height, columns, rows }: GridShape,
  imageCount: number,
  cached: boolean,
  link: SignedLink,
): BuiltGrid {
  return {
    key,
    ...options,
    width,
    height,
    columns,
    rows,
    imageCount,
    cached,
    ...link,
  };
}
