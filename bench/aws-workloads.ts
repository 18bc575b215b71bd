/**
 * The AWS path of issue 15, on the protocol servers with the bundled Lambda handlers and
 * 20 ms added to every S3 and DynamoDB request (bench/aws-stage.ts): 2,000 photos with
 * renditions built synchronously, what uploads and that build cost on AWS
 * (bench/aws-cost-workload.ts), 10,000 images built in the background, and the listing
 * of those 10,000 paged.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { httpApiEvent, type ProxyResult } from '../test/support/api-gateway-events.js';
import { eventKey, objectCreatedRecord, s3Event } from '../test/support/s3-events.js';
import { COST, type MeasuredBuild, measured, runUploadCosts } from './aws-cost-workload.js';
import { type AwsStage, startAwsStage } from './aws-stage.js';
import { peakRssOf } from './child.js';
import type { PhotoSets } from './photos.js';
import type { Row } from './report.js';
import { SMALL_HEIGHT, SMALL_WIDTH, smallImageMaker } from './small-images.js';

const DELAY_MS = 20;
const TILE = '100';
const SYNC_TARGET_MS = 20_000;
/** The bound the issue sets on every listing answer (src/core/listing-pages.ts: PAGE_BYTES). */
const ANSWER_TARGET_BYTES = 1_000_000;
const BACKGROUND_IMAGES = 10_000;
/** A background build not done by then is a failed row, not a bench that never ends. */
const BACKGROUND_LIMIT_MS = 10 * 60_000;
/** How often the status is polled: the Retry-After of a running build's status. */
const POLL_MS = 1000;
const HANDLER_TIMEOUT_MS = 29_000;

const SYNC = `2000 @ 100 on AWS, renditions ready, +${DELAY_MS} ms`;
const BACKGROUND = `${BACKGROUND_IMAGES} images on AWS, background build`;
const LISTING = `listing ${BACKGROUND_IMAGES} images on AWS`;

export async function runAwsWorkloads(photos: PhotoSets): Promise<Row[]> {
  console.error('AWS path: building the Lambda bundle for this CPU, starting s3rver + dynalite...');
  const stage = await startAwsStage(DELAY_MS);
  try {
    let build: MeasuredBuild | undefined;
    const rows = await failedAsRow(SYNC, async () => {
      const sync = await runSyncBuild(stage, [...photos.thousand, ...photos.thousand]);
      build = sync.build;
      return sync.rows;
    });
    rows.push(...(await failedAsRow(COST, () => runUploadCosts(stage, photos.mixed, build))));
    const gridId = 'bench-aws-10000';
    // Both workloads below read this grid: without it, the upload's failure is their row.
    const uploaded = await failedAsRow(BACKGROUND, async () => {
      const images = await smallImageMaker(photos.thousand);
      console.error(`Uploading ${BACKGROUND_IMAGES} small images to S3 + DynamoDB...`);
      await upload(stage, gridId, BACKGROUND_IMAGES, (i) => images.make(i));
      return [];
    });
    if (uploaded.length > 0) return [...rows, ...uploaded];
    rows.push(...(await failedAsRow(BACKGROUND, () => runBackgroundBuild(stage, gridId))));
    rows.push(...(await failedAsRow(LISTING, () => runListing(stage, gridId))));
    return rows;
  } finally {
    await stage.stop();
  }
}

/** A step that throws is a failed row of its workload; the other workloads still run. */
async function failedAsRow(workload: string, run: () => Promise<Row[]>): Promise<Row[]> {
  try {
    return await run();
  } catch (error) {
    console.error(error);
    return [{ workload, variant: '(error)', pass: false, note: String(error).split('\n')[0] }];
  }
}

/**
 * `count` images added through the real service (8 at a time, as bench/latency.ts),
 * straight to the servers; their keys in upload order.
 */
async function upload(
  stage: AwsStage,
  gridId: string,
  count: number,
  body: (i: number) => Promise<Buffer>,
): Promise<string[]> {
  const limit = pLimit(8);
  const started = performance.now();
  const keys = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => (await stage.service.addImage(gridId, await body(i))).key),
    ),
  );
  console.error(`  uploaded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return keys;
}

const generateEvent = (gridId: string) =>
  httpApiEvent({
    method: 'POST',
    path: '/generate_grid',
    query: { uniqueGridId: gridId, tileSize: TILE },
  });

/**
 * 2,000 photos (the 1,000 of about 1280x800, twice) uploaded, their renditions made by
 * the bundled renditions handler from S3 ObjectCreated events (4 events at a time in one
 * process; untimed), then one generate_grid invocation of the bundled handler in a fresh
 * process (its first event: the composition root is made in the time), storage delayed;
 * with its storage requests counted, what the cost row prices.
 */
async function runSyncBuild(
  stage: AwsStage,
  files: readonly string[],
): Promise<{ rows: Row[]; build?: MeasuredBuild }> {
  const gridId = 'bench-aws-2000';
  console.error(`Uploading ${files.length} photos to S3 + DynamoDB...`);
  const keys = await upload(stage, gridId, files.length, (i) => readFile(files[i] as string));

  console.error(`Making their renditions with the bundled renditions handler...`);
  const renditions = await stage.start('renditions', { delayed: false, timeoutMs: 60_000 });
  const limit = pLimit(4);
  const renditionsStarted = performance.now();
  const outcomes = await Promise.all(
    keys.map((key) =>
      limit(async () => {
        const event = s3Event(objectCreatedRecord(stage.servers.sourceBucket, eventKey(key)));
        const { result } = await renditions.invoke<{ outcome: string }[]>('renditions', event);
        return result[0]?.outcome;
      }),
    ),
  );
  const renditionsMs = performance.now() - renditionsStarted;
  await renditions.stop();
  const made = outcomes.filter((outcome) => outcome === 'made').length;

  console.error(`Workload ${SYNC}...`);
  const generate = await stage.start('generateGrid', {
    delayed: true,
    timeoutMs: HANDLER_TIMEOUT_MS,
  });
  const { result, invocation, cpuMs } = await measured<ProxyResult>(
    stage,
    generate,
    'generateGrid',
    generateEvent(gridId),
  );
  const { ms } = invocation;
  const peakRssBytes = peakRssOf(generate.child.pid as number);
  await generate.stop();
  const body = JSON.parse(result.body) as { presigned_url?: string };
  const gridBytes =
    result.statusCode === 200 && body.presigned_url
      ? Buffer.from(await (await fetch(body.presigned_url)).arrayBuffer())
      : undefined;
  const grid = gridBytes && (await sharp(gridBytes).metadata());
  const build = gridBytes && { photos: files.length, invocation, gridBytes: gridBytes.length };
  const rows: Row[] = [
    {
      workload: SYNC,
      variant: 'bundled generate_grid, request to answer',
      ms,
      peakRssBytes,
      target: `200 + presigned_url in < ${SYNC_TARGET_MS / 1000} s`,
      pass: grid !== undefined && made === files.length && ms < SYNC_TARGET_MS,
      note: [
        grid
          ? `answered 200, a ${grid.width}x${grid.height} grid`
          : `answered ${result.statusCode}: ${result.body.slice(0, 200)}`,
        `renditions of ${made} of ${files.length} photos made by the bundled renditions handler beforehand (${(renditionsMs / 1000).toFixed(0)} s, 4 events at a time, no delay)`,
        `${(cpuMs / 1000).toFixed(1)} s of CPU (all threads; the machine's load average ${(loadavg()[0] as number).toFixed(1)} after it)`,
        `time and peak RSS: the handler's process, a fresh one (its first event)`,
      ].join('; '),
    },
  ];
  return { rows, build };
}

/**
 * generate_grid on the 10,000 small images must answer 202 by itself (its estimate is
 * over SYNC_BUILD_SECONDS); the bundled build worker, invoked through the loopback
 * Invoke API, runs the build; the status is polled through the bundled grid routes'
 * handler until it is no longer running. Timed from the request to the poll that saw
 * it done (so up to POLL_MS late).
 */
async function runBackgroundBuild(stage: AwsStage, gridId: string): Promise<Row[]> {
  console.error(`Workload ${BACKGROUND}...`);
  const worker = await stage.startBuildWorker();
  const options = { delayed: true, timeoutMs: HANDLER_TIMEOUT_MS };
  const [generate, grids] = await Promise.all([
    stage.start('generateGrid', options),
    stage.start('grids', options),
  ]);
  const variant = 'bundled generate_grid -> 202, worker done';
  const target = '202, then done';
  const started = performance.now();
  const { result: accepted, ms: acceptedMs } = await generate.invoke<ProxyResult>(
    'generateGrid',
    generateEvent(gridId),
  );
  if (accepted.statusCode !== 202) {
    return [
      {
        workload: BACKGROUND,
        variant,
        target,
        pass: false,
        note: `answered ${accepted.statusCode}, not 202: ${accepted.body.slice(0, 200)}`,
      },
    ];
  }
  const { status_url: statusUrl, build_id: buildId } = JSON.parse(accepted.body);
  const statusEvent = httpApiEvent(
    { method: 'GET', path: new URL(statusUrl).pathname },
    'GET /grids/{gridId}/builds/{buildId}',
  );
  let status: { status: string; width?: number; height?: number; error?: unknown };
  for (;;) {
    const { result } = await grids.invoke<ProxyResult>('grids', statusEvent);
    status = JSON.parse(result.body);
    if (result.statusCode !== 200 || status.status !== 'running') break;
    if (performance.now() - started > BACKGROUND_LIMIT_MS) break;
    await sleep(POLL_MS);
  }
  const ms = performance.now() - started;
  await stage.lambda.whenIdle();
  const runs = stage.lambda.invocations.find(
    (i) => (i.payload as { buildId?: string }).buildId === buildId,
  );
  const workerLog = worker.logs.find((line) => line.msg === 'build' && line.buildId === buildId);
  return [
    {
      workload: BACKGROUND,
      variant,
      ms,
      peakRssBytes: peakRssOf(worker.child.pid as number),
      target,
      pass: status.status === 'done',
      note: [
        `${BACKGROUND_IMAGES} distinct ${SMALL_WIDTH}x${SMALL_HEIGHT} JPEGs (the bench's photos scaled and tinted, about 10 KB each), no renditions (never enlarged), tile ${TILE}, +${DELAY_MS} ms on S3 and DynamoDB`,
        `202 in ${acceptedMs.toFixed(0)} ms, then ${status.status}${status.width ? ` (${status.width}x${status.height})` : ''}${status.error ? `: ${JSON.stringify(status.error)}` : ''}`,
        `the worker's run ${workerLog ? `${((workerLog.ms as number) / 1000).toFixed(1)} s` : 'not logged'}, ${runs?.attempts ?? 0} attempt(s)`,
        `time: request to the status poll (every ${POLL_MS / 1000} s) that saw it; peak RSS: the worker's process`,
      ].join('; '),
    },
  ];
}

/**
 * The grid's listing through the bundled grid routes' handler, page after page by
 * next_cursor at the default page size. An answer is the body a client receives; the
 * note also gives the whole Lambda response (the JSON API Gateway receives, the body
 * escaped in it), which Lambda's 6 MB limit counts. The links carry a Lambda-sized
 * session token (bench/aws-stage.ts).
 */
async function runListing(stage: AwsStage, gridId: string): Promise<Row[]> {
  console.error(`Workload ${LISTING}...`);
  const grids = await stage.start('grids', { delayed: true, timeoutMs: HANDLER_TIMEOUT_MS });
  const seen = new Set<string>();
  let listed = 0;
  let pages = 0;
  let largest = 0;
  let largestResponse = 0;
  let cursor: string | null = null;
  const started = performance.now();
  do {
    const event = httpApiEvent(
      { method: 'GET', path: `/grids/${gridId}`, query: cursor ? { cursor } : undefined },
      'GET /grids/{gridId}',
    );
    const { result } = await grids.invoke<ProxyResult>('grids', event);
    if (result.statusCode !== 200) {
      throw new Error(`page ${pages + 1}: ${result.statusCode} ${result.body.slice(0, 200)}`);
    }
    pages++;
    largest = Math.max(largest, Buffer.byteLength(result.body));
    largestResponse = Math.max(largestResponse, Buffer.byteLength(JSON.stringify(result)));
    const page = JSON.parse(result.body) as {
      images: { image_id: string }[];
      next_cursor: string | null;
    };
    for (const image of page.images) seen.add(image.image_id);
    listed += page.images.length;
    cursor = page.next_cursor;
  } while (cursor);
  const ms = performance.now() - started;
  return [
    {
      workload: LISTING,
      variant: 'bundled GET /grids/ID pages',
      ms,
      peakRssBytes: peakRssOf(grids.child.pid as number),
      target: `every answer < ${ANSWER_TARGET_BYTES / 1e6} MB, each image once`,
      pass: largest < ANSWER_TARGET_BYTES && listed === BACKGROUND_IMAGES && seen.size === listed,
      note: `${pages} pages, ${listed} images listed (${seen.size} distinct); largest answer ${(largest / 1e6).toFixed(3)} MB (as Lambda's response ${(largestResponse / 1e6).toFixed(3)} MB); time: all pages, +${DELAY_MS} ms on S3 and DynamoDB`,
    },
  ];
}
