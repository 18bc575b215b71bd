/**
 * The build worker of the AWS deployment: generate_grid invokes it asynchronously
 * (src/storage/aws/lambda-build-runner.ts) for each build it answers 202, and it runs
 * that build with Lambda's 15 minutes instead of API Gateway's 30 s. Progress and
 * outcome go to the build's record, which GET /grids/{id}/builds/{buildId} reads.
 */
import { createGridBuilder } from '../app/create-grid-builder.js';
import { configOfProcess } from '../config.js';
import { createAwsStorage } from '../storage/aws/create-aws-storage.js';
import { type InvocationContext, inInvocation } from './invocation.js';
import { createLambdaLogger } from './lambda-logger.js';

/** The payload LambdaBuildRunner sends. */
export interface BuildEvent {
  gridId: string;
  buildId: string;
}

let worker: ReturnType<typeof createWorker> | undefined;

/** Built once per cold start, as the API functions' composition root. */
function createWorker() {
  const config = configOfProcess({ overrides: { STORAGE: 'aws' } });
  const logger = createLambdaLogger(config.LOG_LEVEL);
  return { logger, service: createGridBuilder(config, logger, createAwsStorage(config)).service };
}

/**
 * Runs the build, and throws what runBuild throws: an error that may pass (storage
 * unavailable) before the last run, which Lambda's two retries run again. The last
 * run records the failure itself, and a run of a build that ended returns at once,
 * so a repeated event does no harm. Its storage calls end before the function's timeout
 * does, so the run fails (and is retried, or records its failure) instead of being killed.
 */
export function buildWorker(event: BuildEvent, context?: InvocationContext): Promise<void> {
  return inInvocation(event, context, () => runBuild(event));
}

async function runBuild(event: BuildEvent): Promise<void> {
  worker ??= createWorker();
  const { logger, service } = worker;
  const { gridId, buildId } = event;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    await service.runBuild(gridId, buildId);
  } catch (err) {
    logger.error({ gridId, buildId, ms: ms(), err }, 'build failed, to be retried');
    throw err;
  }
  logger.info({ gridId, buildId, ms: ms() }, 'build');
}
