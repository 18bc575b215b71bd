import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './router.js';

/** The bearer key's security scheme, which the document requires on every operation but /health. */
const API_KEY_SCHEME = 'apiKey';

/**
 * Serves /openapi.json, the document of every route made with `.openapi()`: complete enough
 * for Redocly's recommended rules and for client generators (test/http/openapi-document.test.ts).
 */
export function serveApiDocument(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', API_KEY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key, sent as `Authorization: Bearer <key>`. Only required when the server was started with API_KEYS; without it the API is open and the header is ignored.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'GridBuilder API',
      version: '1.0.0',
      description:
        'Turn a set of photos into one grid image. Compatible with the AWS lab "Moving to Amazon API Gateway".',
      license: { name: 'MIT', url: 'https://spdx.org/licenses/MIT.html' },
    },
    // Relative to this document: the server that serves it, on a laptop or on AWS alike.
    servers: [{ url: '/', description: 'The server that serves this document' }],
    security: [{ [API_KEY_SCHEME]: [] }],
  });
}
