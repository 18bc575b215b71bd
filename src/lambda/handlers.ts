/**
 * The Lambda functions of the AWS deployment: the lab's `add_image` and
 * `generate_grid`, one for the grid resource routes and /health, and (in their own
 * files, one bundle with these) the S3-event `renditions` worker and the
 * `buildWorker` that runs builds answered 202. The first three serve the same Hono
 * app as the local server (through `hono/aws-lambda`), so API Gateway HTTP API
 * (payload 2.0) and REST API (payload 1.0) events, base64 bodies included, get the
 * contract's answers. They differ only in the IAM role each one runs with
 * (infra/lib/functions.ts) and the routes API Gateway sends them (infra/lib/api.ts).
 */
import { handle } from 'hono/aws-lambda';
import { createGridBuilder } from '../app/create-grid-builder.js';
import { configOfProcess } from '../config.js';
import { createAwsStorage } from '../storage/aws/create-aws-storage.js';
import { apiKeysUnavailable, readApiKeys } from './api-keys-secret.js';
import { inInvocation } from './invocation.js';
import { createLambdaLogger } from './lambda-logger.js';

type LambdaHandler = ReturnType<typeof handle>;

let handler: Promise<LambdaHandler> | undefined;

/**
 * The composition root, built once per cold start (on the first event) and reused by
 * every warm invocation: SDK clients keep their sockets, sharp keeps its settings. Not
 * while the API keys cannot be read: that invocation answers 503, the next one tries again.
 */
function lambdaHandler(): Promise<LambdaHandler> {
  if (!handler) {
    const config = configOfProcess({ overrides: { STORAGE: 'aws' } });
    const logger = createLambdaLogger(config.LOG_LEVEL);
    handler = readApiKeys(config).then(
      (apiKeys) => {
        const gridBuilder = createGridBuilder(
          { ...config, API_KEYS: apiKeys },
          logger,
          createAwsStorage(config),
        );
        return handle(gridBuilder.app);
      },
      (error: unknown) => {
        handler = undefined;
        return apiKeysUnavailable(error, logger);
      },
    );
  }
  return handler;
}

/** One entry point; API Gateway routes decide which requests reach which function. */
const serve: LambdaHandler = (event, context) =>
  inInvocation(event, context, async () => (await lambdaHandler())(event, context));

/** POST /add_image */
export const addImage = serve;
/** POST /generate_grid */
export const generateGrid = serve;
/** /grids/... (list, delete, two-step upload) and GET /health */
export const grids = serve;
/** Builds generate_grid answered 202, invoked asynchronously */
export { buildWorker } from './build-worker.js';
/** The source bucket's ObjectCreated events */
export { renditions } from './renditions.js';
