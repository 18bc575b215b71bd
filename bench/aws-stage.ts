import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGridBuilder } from '../src/app/create-grid-builder.js';
import { createLogger } from '../src/logger.js';
import { createAwsStorage } from '../src/storage/aws/create-aws-storage.js';
import {
  awsClientOverrides,
  awsEnv,
  awsStorageConfig,
  startAwsServers,
} from '../test/support/aws-servers.js';
import { type BundledFunction, startBundledFunction } from '../test/support/bundled-function.js';
import { buildHostBundle, deployedEnvironment } from '../test/support/host-bundle.js';
import { type ProxiedRequest, type RunningProxy, startProxy } from '../test/support/http-proxy.js';
import {
  type RunningLambda,
  startLambdaInvokeServer,
} from '../test/support/lambda-invoke-server.js';
import { requestTally } from '../test/support/storage-request-tally.js';

export const BUILD_WORKER = 'GridBuilder-BuildWorker';

/**
 * A Lambda role's credentials carry a session token of about 1.1 KB, and so does each
 * link its functions presign (the listings' size depends on it): the functions get a
 * made-up one of that length, which the protocol servers accept as they accept any.
 */
const SESSION_TOKEN = randomBytes(840).toString('base64');

/**
 * The AWS deployment on this machine: s3rver + dynalite, each also behind a proxy that
 * holds every request `delayMs` (both S3's and DynamoDB's) and counts it (`requests`:
 * what the functions asked of storage, by the kinds its bills price), the Lambda bundle built for
 * this CPU, and a loopback Invoke API whose BuildWorker is the bundled handler. Uploads
 * go through the real service in this process, straight to the servers (untimed).
 */
export async function startAwsStage(delayMs: number) {
  const [bundle, servers] = await Promise.all([buildHostBundle(), startAwsServers()]);
  const functions: BundledFunction[] = [];
  /** Run in order: the last started first. */
  const stoppers: (() => Promise<void>)[] = [bundle.remove, servers.stop];
  const stopAll = async () => {
    await Promise.all(functions.map((fn) => fn.stop()));
    for (const stop of stoppers) await stop();
  };
  try {
    const delay = async (request: ProxiedRequest) => {
      await sleep(delayMs);
      return request;
    };
    const requests = requestTally();
    const proxies: RunningProxy[] = await Promise.all([
      startProxy(servers.s3.endpoint, requests.hooks('s3', delay)),
      startProxy(servers.dynamoDb.endpoint, requests.hooks('dynamoDb', delay)),
    ]);
    stoppers.unshift(...proxies.map((p) => p.stop));
    const [s3, dynamoDb] = proxies.map((p) => p.endpoint) as [string, string];

    let worker: BundledFunction | undefined;
    const lambda: RunningLambda = await startLambdaInvokeServer({
      [BUILD_WORKER]: async (event) => {
        if (!worker) throw new Error('no build worker started');
        await worker.invoke('buildWorker', event);
      },
    });
    stoppers.unshift(lambda.stop);

    const config = awsStorageConfig(servers);
    const uploads = createGridBuilder(
      config,
      createLogger('silent'),
      createAwsStorage(config, awsClientOverrides(servers)),
    );
    stoppers.unshift(uploads.close);

    /** A bundled function in its own process, with the environment the stack gives it. */
    const start = async (
      handler: string,
      { delayed, timeoutMs }: { delayed: boolean; timeoutMs: number },
    ) => {
      const fn = await startBundledFunction(bundle.assetDir, {
        functionName: `GridBuilder-${handler}`,
        env: {
          ...deployedEnvironment(bundle.template, handler),
          ...awsEnv(servers, delayed ? { s3, dynamoDb } : {}),
          AWS_SESSION_TOKEN: SESSION_TOKEN,
          BUILD_FUNCTION_NAME: BUILD_WORKER,
          AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        },
        timeoutMs,
      });
      functions.push(fn);
      return fn;
    };

    return {
      servers,
      template: bundle.template,
      requests,
      lambda,
      service: uploads.service,
      start,
      async startBuildWorker() {
        worker = await start('buildWorker', { delayed: true, timeoutMs: 15 * 60_000 });
        return worker;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export type AwsStage = Awaited<ReturnType<typeof startAwsStage>>;
