import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { createGridBuilder } from '../src/app/create-grid-builder.js';
import { createLogger } from '../src/logger.js';
import { createAwsStorage } from '../src/storage/aws/create-aws-storage.js';
import {
  awsClientOverrides,
  awsEnv,
  awsStorageConfig,
  startAwsServers,
} from '../test/support/aws-servers.js';
import { startProxy } from '../test/support/http-proxy.js';
import { type ChildResult, median, runJsonChild, TSX } from './child.js';
import type { Row } from './report.js';

/** The timed runs of each variant (warm-up runs left out), and its peak memory. */
export interface LatencyResult {
  direct: ChildResult;
  delayed: ChildResult;
}

/**
 * The build on S3 (s3rver) + DynamoDB (dynalite), through a forwarding proxy on
 * 127.0.0.1 that holds every S3 request for `delayMs` before passing it on, against
 * the same proxy with no delay (so only the latency differs). The build runs in a
 * child process with GridBuilder's own environment (BUILD_IN_FLIGHT etc. pass through),
 * four of them in the order direct, delayed, delayed, direct: this VM's speed drifts
 * over a minute (one run measured 1.38x with the no-delay build first, 1.06x the next
 * minute), and the mirrored order cancels a steady drift.
 */
export async function runLatencyBuilds(
  files: readonly string[],
  tile: number,
  delayMs: number,
  /** Timed runs per child, after one warm-up run. */
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
    const build = async (endpoint: string) => {
      const result = await runJsonChild(
        [...TSX, 'bench/service-build.ts', '-', gridId, `${tile}`, `${runs + 1}`, '0'],
        { ...awsEnv(servers, { s3: endpoint }) },
      );
      return { ...result, runsMs: result.runsMs.slice(1) }; // the first run warms up
    };
    const first = await build(direct.endpoint);
    const second = await build(delayed.endpoint);
    const third = await build(delayed.endpoint);
    const fourth = await build(direct.endpoint);
    const both = (a: ChildResult, b: ChildResult): ChildResult => ({
      runsMs: [...a.runsMs, ...b.runsMs],
      peakRssBytes: Math.max(a.peakRssBytes, b.peakRssBytes),
    });
    return { direct: both(first, fourth), delayed: both(second, third) };
  } finally {
    await Promise.all([direct.stop(), delayed.stop()]);
    await servers.stop();
  }
}

/** The 1000 @ 100 build on S3 with 20 ms added to every S3 request, against none added. */
export async function runLatencyWorkload(files: readonly string[]): Promise<Row[]> {
  const workload = '1000 @ 100 on S3, +20 ms per request';
  console.error(`Workload ${workload}...`);
  const { direct, delayed } = await runLatencyBuilds(files, 100, 20, 1);
  const directMs = median(direct.runsMs);
  const delayedMs = median(delayed.runsMs);
  return [
    {
      workload,
      variant: 'GridService on s3rver via proxy, no delay',
      ms: directMs,
      peakRssBytes: direct.peakRssBytes,
    },
    {
      workload,
      variant: 'GridService on s3rver via proxy, +20 ms',
      ms: delayedMs,
      peakRssBytes: delayed.peakRssBytes,
      target: '<= 1.3x no delay',
      pass: delayedMs / directMs <= 1.3,
      note: `${(delayedMs / directMs).toFixed(2)}x the no-delay build (BUILD_IN_FLIGHT=${process.env.BUILD_IN_FLIGHT ?? 'default'})`,
    },
  ];
}
