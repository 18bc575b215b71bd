import { createRoute, z } from '@hono/zod-openapi';
import { INPUT_FORMAT_NAMES } from '../../core/formats.js';
import type { BodyReader } from '../body-reader.js';
import { filenameOf } from '../content-disposition.js';
import { preferredWaitSeconds, prefersRespondAsync } from '../prefer.js';
import { buildStarted, buildStatusPath, gridBuilt, imageSaved } from '../presenters.js';
import { createRouter } from '../router.js';
import {
  AddImageQuery,
  BuildQuery,
  BuildStarted,
  errorResponses,
  GridBuilt,
  ImageSaved,
} from '../schemas.js';

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
        description: `The body is the raw image bytes (\`curl --data-binary @photo.jpg\`); the format is sniffed from them: ${INPUT_FORMAT_NAMES}. The file's name may come as \`name\` or in a \`Content-Disposition\` header.`,
        request: {
          query: AddImageQuery,
          headers: z.object({
            'content-disposition': z.string().optional().openapi({
              description:
                "Read when `name` is not given: `filename*` (RFC 8187, UTF-8 or ISO-8859-1) or else `filename` is the file's name (RFC 6266)",
              example: "attachment; filename*=UTF-8''caf%C3%A9.jpg",
            }),
          }),
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
        const { uniqueGridId, name, ...placement } = c.req.valid('query');
        const fileName = name ?? filenameOf(c.req.header('Content-Disposition'));
        const record = await bodies.read(c, (body) =>
          c.var.service.addImage(uniqueGridId, body, placement, fileName),
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
          "Tiles are placed row-major in upload order. An unchanged grid answers from its stored result with a fresh link. A build that would not fit the request's time budget, or any build when the request has `Prefer: respond-async` (RFC 7240), runs in the background: 202, and its `status_url` reports progress and, when done, the grid.",
        request: {
          query: BuildQuery,
          headers: z.object({
            prefer: z.string().optional().openapi({
              description:
                '`respond-async`: answer 202 and build in the background; with `wait=N`, a build expected to take at most N seconds (and the budget) is answered 200',
              example: 'respond-async, wait=2',
            }),
          }),
        },
        responses: {
          200: {
            description: 'Built (or reused)',
            content: { 'application/json': { schema: GridBuilt } },
          },
          202: {
            description:
              'Building in the background: GET `status_url` (also in `Location`) after `Retry-After` seconds',
            headers: {
              Location: { schema: { type: 'string' }, description: 'The status_url' },
              'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' },
              'Preference-Applied': {
                schema: { type: 'string' },
                description: '`respond-async` when the request asked for it',
              },
            },
            content: { 'application/json': { schema: BuildStarted } },
          },
          ...errorResponses(400, 401, 404, 409, 413, 503, 507),
        },
      }),
      async (c) => {
        const { uniqueGridId, ...options } = c.req.valid('query');
        const prefer = c.req.header('Prefer');
        const preferAsync = prefersRespondAsync(prefer);
        const answer = await c.var.service.requestBuild(uniqueGridId, options, {
          preferAsync,
          waitSeconds: preferredWaitSeconds(prefer),
        });
        if ('built' in answer) return c.json(gridBuilt(answer.built, c.var.absolute), 200);
        const statusUrl = c.var.absolute(buildStatusPath(answer.started));
        c.header('Location', statusUrl);
        c.header('Retry-After', '1');
        if (preferAsync) c.header('Preference-Applied', 'respond-async');
        return c.json(buildStarted(answer.started, statusUrl), 202);
      },
    );
