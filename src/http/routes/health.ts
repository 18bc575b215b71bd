import { createRoute, z } from '@hono/zod-openapi';
import { GridBuilderError, isErrorKind } from '../../core/errors.js';
import { createRouter } from '../router.js';
import { errorResponses } from '../schemas.js';

export const healthRoutes = () =>
  createRouter().openapi(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      // Open to load balancers even when the server has API_KEYS (api-key-auth.ts).
      security: [],
      tags: ['Service'],
      summary: 'Whether the service can reach its storage and has room to write',
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
        // A full disk is unhealthy too (503, as health checks expect), with its own message.
        const message = isErrorKind(error, 'storage_full')
          ? error.message
          : 'Storage cannot be reached.';
        throw new GridBuilderError('storage_unavailable', message, { cause: error });
      }
      return c.json({ status: 'ok' as const }, 200);
    },
  );
