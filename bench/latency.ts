import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { createGridBuilder } from '../src/bootstrap.js';
import { createLogger } from '../src/logger.js';
import { createAwsStorage } from '../src/storage/aws/create-aws-storage.js';
import {
  awsClientOverrides,
  awsEnv,
  awsStorageConfig,
  startAwsServers,
} from '../test/support/aws-servers.js';
import { startProxy } from '../test/support/http-proxy.js';
import { type ChildResult, runJsonChild, TSX } from './child.js';

export interface LatencyResult {
  direct: ChildResult;
  delayed: ChildResult;
}

/**
 * The build on S3 (s3rver) + DynamoDB (dynalite), through a forwarding proxy on
 * 127.0.0.1 that holds every S3 request for `delayMs` before passing it on, against
 * the same proxy with no delay (so only the latency differs). The build runs in a
 * child process with GridBuilder's own environment (BUILD_IN_FLIGHT etc. pass through).
 */
export async function runLatencyBuilds(
  files: readonly string[],
  tile: number,
  delayMs: number,
  runs: number,
): Promise<LatencyResult> {
  const servers = await startAwsServers();
  const direct = await startProxy(servers.s3.endpoint);
  const delayed = await startProxy(servers.s3.endpoint, {
    request: async (request) => {
      await sleep(delayMs);
      return request;
    },
  });
  try {
    const config = awsStorageConfig(servers);
    const storage = createAwsStorage(config, awsClientOverrides(servers));
    const { service, close } = createGridBuilder(config, createLogger('silent'), storage);
    const upload = pLimit(8);
    const gridId = 'bench-latency';
    // p-limit starts tasks in order and addImage makes its time-ordered id first thing,
    // so upload order is still the file order.
    await Promise.all(
      files.map((file) => upload(async () => service.addImage(gridId, await readFile(file)))),
    );
    close();
    const build = (endpoint: string) =>
      runJsonChild([...TSX, 'bench/service-build.ts', '-', gridId, `${tile}`, `${runs + 1}`, '0'], {
        ...awsEnv(servers, { s3: endpoint }),
      });
    return { direct: await build(direct.endpoint), delayed: await build(delayed.endpoint) };
  } finally {
    await Promise.all([direct.stop(), delayed.stop()]);
    await servers.stop();
  }
}
