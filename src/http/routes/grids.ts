import { createRoute } from '@hono/zod-openapi';
import type { GridImage } from '../../core/grid-service.js';
import { gridImage, imageSaved } from '../presenters.js';
import { createRouter } from '../router.js';
import {
  Deleted,
  errorResponses,
  GridListing,
  GridParams,
  ImageParams,
  ImageSaved,
  NewOrder,
  OrderSaved,
  PageQuery,
  PlacementQuery,
  UploadCreated,
  UploadParams,
  UploadQuery,
} from '../schemas.js';

const json = <T>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});

/** The grid resource routes: list, delete, and the two-step upload for large images. */
export const gridRoutes = () =>
  createRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/grids/{gridId}',
        operationId: 'listGrid',
        tags: ['Grids'],
        summary: "A page of a grid's images, in the grid's order",
        description:
          'Follow `next_cursor` (as `cursor`) until it is null to get every image. Each page ends at `limit` images or before its images pass 1 MB of JSON, whichever comes first.',
        request: { params: GridParams, query: PageQuery },
        responses: { 200: json('The images', GridListing), ...errorResponses(400, 401, 503) },
      }),
      async (c) => {
        const present = (image: GridImage) => gridImage(image, c.var.absolute);
        const page = await c.var.service.listImages(c.req.valid('param').gridId, {
          ...c.req.valid('query'),
          // As c.json writes it, and a comma.
          sizeOf: (image) => Buffer.byteLength(JSON.stringify(present(image))) + 1,
        });
        return c.json(
          {
            uniqueGridId: page.gridId,
            image_count: page.imageCount,
            images: page.images.map(present),
            next_cursor: page.nextCursor ?? null,
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/grids/{gridId}',
        operationId: 'deleteGrid',
        tags: ['Grids'],
        summary: 'Delete every image, record and built grid of a grid',
        request: { params: GridParams },
        responses: { 200: json('Deleted', Deleted), ...errorResponses(400, 401, 503, 507) },
      }),
      async (c) => {
        const { gridId, deletedImages } = await c.var.service.deleteGrid(
          c.req.valid('param').gridId,
        );
        return c.json(
          { message: 'grid deleted', uniqueGridId: gridId, deleted_images: deletedImages },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/grids/{gridId}/images/{imageId}',
        operationId: 'deleteImage',
        tags: ['Grids'],
        summary: 'Delete one image',
        request: { params: ImageParams },
        responses: { 200: json('Deleted', Deleted), ...errorResponses(400, 401, 404, 503, 507) },
      }),
      async (c) => {
        const { gridId, imageId } = c.req.valid('param');
        await c.var.service.deleteImage(gridId, imageId);
        return c.json({ message: 'image deleted', uniqueGridId: gridId, deleted_images: 1 }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/grids/{gridId}/uploads',
        operationId: 'createUpload',
        tags: ['Two-step upload'],
        summary: 'Step 1: get a URL to PUT a large image of a given size to',
        description:
          'PUT the raw bytes, exactly `size` of them, to `upload_url` before `expires_at`, then POST to `confirm_url` (which carries `batch` and `index` when they were given here). A `name` given here is kept with the upload and recorded at the confirm, which cannot change it.',
        request: { params: GridParams, query: UploadQuery },
        responses: {
          201: json('Upload URL', UploadCreated),
          ...errorResponses(400, 401, 413, 503),
        },
      }),
      async (c) => {
        const { gridId } = c.req.valid('param');
        const { size, name, ...placement } = c.req.valid('query');
        const upload = await c.var.service.createUpload(gridId, size, placement, name);
        const query =
          placement.batch === undefined
            ? ''
            : `?${new URLSearchParams({ batch: placement.batch, index: String(placement.index) })}`;
        const confirm = c.var.absolute(
          `/grids/${gridId}/uploads/${upload.uploadId}/confirm${query}`,
        );
        return c.json(
          {
            message: 'upload url created' as const,
            upload_id: upload.uploadId,
            upload_url: c.var.absolute(upload.url),
            method: 'PUT' as const,
            confirm_url: confirm,
            expires_at: upload.expiresAt,
          },
          201,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/grids/{gridId}/uploads/{uploadId}/confirm',
        operationId: 'confirmUpload',
        tags: ['Two-step upload'],
        summary: 'Step 2: validate and add the uploaded image',
        description:
          'Validated exactly like add_image; an invalid upload is deleted. The image gets a new id and its place in the grid now. A link adds one image: a second confirm answers 409.',
        request: { params: UploadParams, query: PlacementQuery },
        responses: {
          200: json('Stored and recorded', ImageSaved),
          ...errorResponses(400, 401, 404, 409, 413, 415, 422, 503, 507),
        },
      }),
      async (c) => {
        const { gridId, uploadId } = c.req.valid('param');
        const saved = await c.var.service.confirmUpload(gridId, uploadId, c.req.valid('query'));
        return c.json(imageSaved(saved), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/grids/{gridId}/order',
        operationId: 'reorderGrid',
        tags: ['Grids'],
        summary: "Put the grid's images in a new order",
        description:
          'The body names every image_id of the grid exactly once, first = top left. Images added afterwards follow them; a build after the change is a new grid image.',
        request: {
          params: GridParams,
          body: { content: { 'application/json': { schema: NewOrder } }, required: true },
        },
        responses: {
          200: json('The new order', OrderSaved),
          ...errorResponses(400, 401, 503, 507),
        },
      }),
      async (c) => {
        const { gridId } = c.req.valid('param');
        const imageIds = await c.var.service.reorder(gridId, c.req.valid('json').image_ids);
        return c.json(
          { message: 'order saved' as const, uniqueGridId: gridId, image_ids: imageIds },
          200,
        );
      },
    );
