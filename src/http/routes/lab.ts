import { createRoute } from '@hono/zod-openapi';
import type { BodyReader } from '../body-reader.js';
import { gridBuilt, imageSaved } from '../presenters.js';
import { createRouter } from '../router.js';
import { AddImageQuery, BuildQuery, errorResponses, GridBuilt, ImageSaved } from '../schemas.js';

/** The lab's two routes, with its field names, so its curl commands work unchanged. */
export const labRoutes = (bodies: BodyReader) =>
  createRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/add_image',
        operationId: 'addImage',
        tags: ['Lab API'],
        summary: 'Add one image to a grid',
        description:
          'The body is the raw image bytes (`curl --data-binary @photo.jpg`); the format is sniffed from them.',
        request: {
          query: AddImageQuery,
          body: {
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
        },
        responses: {
          200: {
            description: 'Stored and recorded',
            content: { 'application/json': { schema: ImageSaved } },
          },
          ...errorResponses(400, 401, 408, 413, 415, 422, 503, 507),
        },
      }),
      async (c) => {
        const { uniqueGridId, ...placement } = c.req.valid('query');
        const record = await bodies.read(c, (body) =>
          c.var.service.addImage(uniqueGridId, body, placement),
        );
        return c.json(imageSaved(record), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/generate_grid',
        operationId: 'generateGrid',
        tags: ['Lab API'],
        summary: 'Build the grid image of all images of a grid',
        description:
          'Tiles are placed row-major in upload order. An unchanged grid answers from its stored result with a fresh link.',
        request: { query: BuildQuery },
        responses: {
          200: {
            description: 'Built (or reused)',
            content: { 'application/json': { schema: GridBuilt } },
          },
          ...errorResponses(400, 401, 404, 409, 413, 503, 507),
        },
      }),
      async (c) => {
        const { uniqueGridId, ...options } = c.req.valid('query');
        const grid = await c.var.service.buildGrid(uniqueGridId, options);
        return c.json(gridBuilt(grid, c.var.absolute), 200);
      },
    );
