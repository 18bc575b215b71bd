import type { BuildStatus } from '../core/builds.js';
import type { BuiltGrid, GridImage } from '../core/grid-service.js';
import type { ImageRecord } from '../core/ports.js';

/** Core values -> the contract's JSON (the lab's snake_case field names). */

export type Absolute = (url: string) => string;

export const imageSaved = (record: ImageRecord) => ({
  message: 'image saved' as const,
  image_size: record.size,
  key: record.key,
  image_id: record.imageId,
  width: record.width,
  height: record.height,
  format: record.format,
  name: record.name ?? null,
});

export const gridBuilt = (grid: BuiltGrid, absolute: Absolute) => ({
  message: 'built grid' as const,
  presigned_url: absolute(grid.url),
  key: grid.key,
  width: grid.width,
  height: grid.height,
  columns: grid.columns,
  rows: grid.rows,
  image_count: grid.imageCount,
  tile_size: grid.tileSize,
  format: grid.format,
  crop: grid.crop,
  gap: grid.gap,
  background: grid.background,
  layout: grid.layout,
  labels: grid.labels,
  expires_at: grid.expiresAt,
  cached: grid.cached,
});

export const gridImage = (image: GridImage, absolute: Absolute) => ({
  image_id: image.imageId,
  key: image.key,
  image_size: image.size,
  width: image.width,
  height: image.height,
  format: image.format,
  name: image.name ?? null,
  uploaded_at: image.uploadedAt,
  url: absolute(image.url),
  preview_url: absolute(image.previewUrl),
});

/** Where a build's status is read: GET it until the build is done or failed. */
export const buildStatusPath = (status: Pick<BuildStatus, 'gridId' | 'buildId'>) =>
  `/grids/${status.gridId}/builds/${status.buildId}`;

const buildFields = (status: BuildStatus) => ({
  uniqueGridId: status.gridId,
  build_id: status.buildId,
  status: status.status,
  tiles_done: status.tilesDone,
  tiles_total: status.tilesTotal,
});

export const buildStarted = (status: BuildStatus, statusUrl: string) => ({
  message: 'building grid' as const,
  ...buildFields(status),
  status: 'running' as const,
  status_url: statusUrl,
});

/** A build's state; once done, with every field of generate_grid's 200. */
export const buildState = (status: BuildStatus, absolute: Absolute) => ({
  ...buildFields(status),
  ...(status.error && { error: status.error }),
  ...(status.built && gridBuilt(status.built, absolute)),
});
