import { createRoute } from '@hono/zod-openapi';
import { buildState } from '../presenters.js';
import { createRouter } from '../router.js';
import { BuildParams, BuildState, errorResponses } from '../schemas.js';

/** A background build's status, as generate_grid's 202 points to it. */
export const buildRoutes = () =>
  createRouter().openapi(
    createRoute({
      method: 'get',
      path: '/grids/{gridId}/builds/{buildId}',
      operationId: 'getBuild',
      tags: ['Grids'],
      summary: 'Where a background build stands: progress, then the grid or why it failed',
      description:
        "While `running`, `Retry-After` says when to ask again. When `done`, every field of generate_grid's 200 with a fresh `presigned_url`; when `failed`, `error` with a code from the error table (`build_failed`, `build_stalled`, or what a synchronous build would have answered). Builds are kept for a day; a done build whose grid was removed since (the grid deleted, or housekeeping) is 404 `build_not_found`, and done again if the same request builds that grid again. A build its server stopped before finishing stays `running` and is resumed when the server starts again on the same storage (on AWS its worker's retries carry it).",
      request: { params: BuildParams },
      responses: {
        200: {
          description: 'The build',
          headers: {
            'Retry-After': {
              schema: { type: 'integer' },
              description: 'While running: seconds to wait before asking again',
            },
          },
          content: { 'application/json': { schema: BuildState } },
        },
        ...errorResponses(400, 401, 404, 503),
      },
    }),
    async (c) => {
      const { gridId, buildId } = c.req.valid('param');
      const status = await c.var.service.buildStatus(gridId, buildId);
      if (status.status === 'running') c.header('Retry-After', '1');
      return c.json(buildState(status, c.var.absolute), 200);
    },
  );
