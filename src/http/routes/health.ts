import { createRoute, z } from '@hono/zod-openapi';
import { GridBuilderError } from '../../core/errors.js';
import { createRouter } from '../router.js';
import { errorResponses } from '../schemas.js';

export const healthRoutes = () =>
  createRouter().openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['Service'],
      summary: 'Whether the service can reach its storage',
      responses: {
        200: {
          description: 'Healthy',
          content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
        },
        ...errorResponses(503),
      },
    }),
    async (c) => {
      try {
        await c.var.service.health();
      } catch (error) {
        throw new GridBuilderError('storage_unavailable', 'Storage cannot be reached.', {
          cause: error,
        });
      }
      return c.json({ status: 'ok' as const }, 200);
    },
  );
