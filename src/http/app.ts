import type { Hono } from 'hono';
import type { GridService } from '../core/grid-service.js';
import type { Logger } from '../logger.js';
import { serveApiDocument } from './api-document.js';
import { apiKeyAuth } from './api-key-auth.js';
import { BodyReader } from './body-reader.js';
import { corsForAnyOrigin } from './cors.js';
import { errorBody, errorResponse } from './error-response.js';
import { requestIds } from './request-ids.js';
import { createRouter } from './router.js';
import { buildRoutes } from './routes/builds.js';
import { docsRoutes } from './routes/docs.js';
import { gridRoutes } from './routes/grids.js';
import { healthRoutes } from './routes/health.js';
import { labRoutes } from './routes/lab.js';
import { webRoutes } from './routes/web.js';

export interface AppOptions {
  service: GridService;
  logger: Logger;
  maxUploadBytes: number;
  /** Bytes of upload bodies held in memory at once, across requests. */
  maxBufferedUploadBytes: number;
  /** An upload body that sends nothing for this long is refused (408); default 5 s. */
  bodyIdleTimeoutMs?: number | undefined;
  /** Base for relative links; default: the request's own origin. */
  publicUrl?: string | undefined;
  /**
   * Routes the storage backend answers itself (the local one: its presigned links),
   * mounted at `/` and given the app's body reader.
   */
  backendRoutes?: ((bodies: BodyReader) => Hono) | undefined;
  /** The built web page (dist/web) to serve at `/`; none when the page is hosted elsewhere. */
  webRoot?: string | undefined;
  /** When not empty, the API's routes need `Authorization: Bearer <one of these>`. */
  apiKeys?: readonly string[] | undefined;
}

/**
 * The whole HTTP API as one Hono app: the Node server serves it locally and the
 * Lambda handlers serve it on AWS. It only translates HTTP to service calls and back.
 */
export function createApp(options: AppOptions) {
  const { service, logger } = options;
  const app = createRouter();

  app.use(requestIds());
  app.use(corsForAnyOrigin());
  app.use(async (c, next) => {
    const started = performance.now();
    c.set('service', service);
    c.set('absolute', (url) =>
      /^https?:\/\//.test(url) ? url : `${options.publicUrl ?? new URL(c.req.url).origin}${url}`,
    );
    await next();
    logger.info(
      {
        reqId: c.var.requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  if (options.apiKeys?.length) app.use(apiKeyAuth(options.apiKeys));

  const bodies = new BodyReader(
    options.maxUploadBytes,
    options.maxBufferedUploadBytes,
    options.bodyIdleTimeoutMs,
  );
  app.route('/', labRoutes(bodies));
  app.route('/', gridRoutes());
  app.route('/', buildRoutes());
  app.route('/', healthRoutes());
  if (options.backendRoutes) app.route('/', options.backendRoutes(bodies));
  app.route('/', docsRoutes());
  if (options.webRoot) {
    const extraOrigins = options.publicUrl ? [new URL(options.publicUrl).origin] : [];
    app.route('/', webRoutes({ root: options.webRoot, extraOrigins }));
  }
  serveApiDocument(app);

  app.notFound((c) =>
    c.json(
      errorBody('not_found', `No route for ${c.req.method} ${c.req.path}: see /docs for the API.`),
      404,
    ),
  );
  app.onError((error, c) => errorResponse(c, error, logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
