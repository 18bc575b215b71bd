/**
 * "uploads on AWS, cost inputs": what one upload and one build ask of AWS, measured on
 * the AWS stage (bundled handlers, +20 ms on every S3 and DynamoDB request, each
 * request counted by the stage's proxies), and what that costs at AWS's prices
 * (bench/aws-cost.ts): 1,000 uploads, one build of 2,000 photos, and the stack's
 * fixed monthly costs.
 */
import { readFile, stat } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { renditionPrefix } from '../src/core/ids.js';
import { httpApiEvent, type ProxyResult } from '../test/support/api-gateway-events.js';
import type { BundledFunction } from '../test/support/bundled-function.js';
import { eventKey, objectCreatedRecord, s3Event } from '../test/support/s3-events.js';
import { type Tally, tallySince } from '../test/support/storage-request-tally.js';
import {
  addCosts,
  costOf,
  describeCost,
  fixedMonthlyCost,
  formatDollars,
  type Invocation,
  memoryOf,
  scaleCost,
} from './aws-cost.js';
import { PRICES } from './aws-prices.js';
import type { AwsStage } from './aws-stage.js';
import { median } from './child.js';
import type { Row } from './report.js';

export const COST = 'uploads on AWS, cost inputs';
/** What fits one add_image request: Lambda's 6 MB payload, base64 encoded. */
const MAX_BODY_BYTES = 4.5 * 1024 * 1024;
const UPLOADS_PRICED = 1000;
const GRID = 'bench-aws-cost';

/** The sync row's generate_grid invocation, and the grid its client then downloads. */
export interface MeasuredBuild {
  photos: number;
  invocation: Invocation;
  gridBytes: number;
}

/**
 * Runs `handler` of a bundled function once and returns what it cost: its time, the
 * storage requests counted meanwhile (nothing else uses the proxies then) and its own
 * log lines.
 */
export async function measured<T>(
  stage: AwsStage,
  fn: BundledFunction,
  handler: string,
  event: unknown,
): Promise<{ result: T; invocation: Invocation; cpuMs: number }> {
  const before = stage.requests.counts();
  const logsBefore = fn.logs.length;
  const { result, ms, cpuMs } = await fn.invoke<T>(handler, event);
  const requests = tallySince(stage.requests.counts(), before);
  // Log lines come on another pipe than the answer: one read late counts toward the
  // next invocation, which the totals do not mind.
  const logBytes = fn.logs
    .slice(logsBefore)
    .reduce((sum, line) => sum + Buffer.byteLength(JSON.stringify(line)) + 1, 0);
  return { result, invocation: { ms, requests, logBytes }, cpuMs };
}

const at = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** "S3 PUT 1, DynamoDB PutItem 1 (1 unit)": requests per invocation, on average. */
function requestsPerInvocation(invocations: readonly Invocation[]): string {
  const total: Tally = {};
  for (const { requests } of invocations) {
    for (const [kind, c] of Object.entries(requests)) {
      total[kind] ??= { requests: 0, units: 0, bytes: 0 };
      total[kind].requests += c.requests;
      total[kind].units += c.units;
    }
  }
  const per = (n: number) => Number((n / invocations.length).toFixed(2));
  const kinds = Object.entries(total).sort(([a], [b]) => a.localeCompare(b));
  if (kinds.length === 0) return 'no storage requests';
  return kinds
    .map(
      ([kind, c]) =>
        `${kind} ${per(c.requests)}${kind.startsWith('DynamoDB') ? ` (${per(c.units)} units)` : ''}`,
    )
    .join(', ');
}

function timingRow(
  variant: string,
  invocations: readonly Invocation[],
  pass: boolean,
  note: string,
): Row {
  const times = invocations.map((i) => i.ms).sort((a, b) => a - b);
  const mean = times.reduce((sum, ms) => sum + ms, 0) / times.length;
  return {
    workload: COST,
    variant,
    ms: median(times),
    pass,
    note: [
      `${invocations.length} invocations, one at a time: median ${median(times).toFixed(0)} ms, p90 ${at(times, 0.9).toFixed(0)} ms, mean ${mean.toFixed(0)} ms`,
      `per invocation: ${requestsPerInvocation(invocations)}`,
      note,
    ].join('; '),
  };
}

/**
 * 100 photos (the mixed set: 2560x1600 to 3200x2000 JPEGs) added one at a time through
 * the bundled add_image handler, then their renditions made by the bundled renditions
 * handler from the ObjectCreated events S3 would send, one at a time; and the events the
 * renditions stored cause in turn, which that handler ignores but Lambda bills.
 */
export async function runUploadCosts(
  stage: AwsStage,
  files: readonly string[],
  build: MeasuredBuild | undefined,
): Promise<Row[]> {
  console.error(`Workload ${COST}...`);
  const loadBefore = loadavg()[0] as number;
  const options = { delayed: true, timeoutMs: 15_000 };
  const addImage = await stage.start('addImage', options);
  const uploads: Invocation[] = [];
  const keys: string[] = [];
  let saved = 0;
  for (const file of files) {
    if ((await stat(file)).size > MAX_BODY_BYTES) throw new Error(`${file}: over 4.5 MB`);
    const body = await readFile(file);
    const event = httpApiEvent({
      method: 'POST',
      path: '/add_image',
      query: { uniqueGridId: GRID },
      body,
      headers: { 'content-type': 'image/jpeg' },
    });
    const { result, invocation } = await measured<ProxyResult>(stage, addImage, 'addImage', event);
    uploads.push({ ...invocation, apiBodyBytes: body.length });
    if (result.statusCode === 200) {
      saved++;
      keys.push(JSON.parse(result.body).key);
    }
  }
  await addImage.stop();

  const renditions = await stage.start('renditions', { delayed: true, timeoutMs: 60_000 });
  const objectCreated = (key: string) =>
    s3Event(objectCreatedRecord(stage.servers.sourceBucket, eventKey(key)));
  /** One event a key, one at a time: the invocations, and how many ended as `outcome`. */
  const invokeEach = async (keys: readonly string[], outcome: string) => {
    const invocations: Invocation[] = [];
    let count = 0;
    for (const key of keys) {
      const { result, invocation } = await measured<{ outcome: string }[]>(
        stage,
        renditions,
        'renditions',
        objectCreated(key),
      );
      invocations.push(invocation);
      if (result[0]?.outcome === outcome) count++;
    }
    return { invocations, count };
  };
  const { invocations: made, count: madeCount } = await invokeEach(keys, 'made');
  // Each rendition stored is an object created in the source bucket too.
  const renditionKeys = await listKeys(stage, renditionPrefix(GRID));
  const { invocations: ignored, count: ignoredCount } = await invokeEach(renditionKeys, 'ignored');
  await renditions.stop();

  const { template } = stage;
  const memory = {
    addImage: memoryOf(template, 'addImage'),
    renditions: memoryOf(template, 'renditions'),
    generateGrid: memoryOf(template, 'generateGrid'),
  };
  const perUpload = scaleCost(
    addCosts(
      costOf(uploads, memory.addImage),
      costOf(made, memory.renditions),
      costOf(ignored, memory.renditions),
    ),
    UPLOADS_PRICED / uploads.length,
  );
  const storedBytes = [...uploads, ...made].reduce(
    (sum, i) => sum + (i.requests['S3 PUT']?.bytes ?? 0),
    0,
  );
  const storedGbPer1000 = (storedBytes / uploads.length) * (UPLOADS_PRICED / 1024 ** 3);
  const bodies = uploads.map((u) => u.apiBodyBytes ?? 0);
  const scaling =
    "durations are this machine's (2 x64 cores, each handler's process free to use both), not Graviton's at the function's memory: Lambda gives one vCPU at 1769 MB, so add_image's 1024 MB is about 0.58 of one and its CPU-bound part would take about 1.7 times as long there; the estimate scales with the durations";
  const load = `load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] as number).toFixed(1)} after`;

  const rows: Row[] = [
    timingRow(
      'bundled add_image, one upload',
      uploads,
      saved === files.length,
      `${saved} of ${files.length} saved, the first one with the composition root built; bodies ${(Math.min(...bodies) / 1e6).toFixed(2)}-${(Math.max(...bodies) / 1e6).toFixed(2)} MB, metered by the HTTP API as ${Math.ceil(Math.max(...bodies) / PRICES.httpApi.meteredBytes)} requests at most (512 KB units); ${memory.addImage} MB; ${load}`,
    ),
    timingRow(
      'bundled renditions, one image',
      made,
      madeCount === keys.length,
      `${madeCount} of ${keys.length} made, the first one with the composition root built; ${memory.renditions} MB`,
    ),
    timingRow(
      'bundled renditions, a rendition stored (ignored)',
      ignored,
      ignored.length > 0 && ignoredCount === ignored.length,
      `${ignoredCount} of ${ignored.length} ignored: the events of the renditions stored, as the bucket notifies every object created (each billed as 1 ms at least)`,
    ),
    {
      workload: COST,
      variant: `cost of ${UPLOADS_PRICED.toLocaleString('en-US')} uploads`,
      note: [
        describeCost(perUpload),
        `Lambda: add_image at ${memory.addImage} MB, the renditions function at ${memory.renditions} MB, billed by the ms`,
        `then ${(storedGbPer1000).toFixed(2)} GB stored (originals and renditions), ${formatDollars(storedGbPer1000 * PRICES.s3.perGbMonth)} a month in S3 Standard`,
        `${PRICES.region} prices of ${PRICES.date} (bench/aws-prices.ts), no free tier; Lambda's INIT of a cold sandbox (billed since August 2025) not included`,
        scaling,
      ].join('; '),
    },
  ];
  if (build) rows.push(buildCostRow(build, memory.generateGrid));
  rows.push(fixedCostRow(stage));
  return rows;
}

function buildCostRow(build: MeasuredBuild, memoryMb: number): Row {
  const cost = costOf([{ ...build.invocation, apiBodyBytes: 0 }], memoryMb);
  // The client's download of the grid through the presigned link: one GET, and the bytes
  // out of AWS.
  cost.s3Requests += PRICES.s3.perTier2Request;
  const egress = (build.gridBytes / 1024 ** 3) * PRICES.dataTransferOutPerGb;
  return {
    workload: COST,
    variant: `cost of one build of ${build.photos.toLocaleString('en-US')} photos`,
    note: [
      `${describeCost(cost)}, and ${formatDollars(egress)} for the ${(build.gridBytes / 1e6).toFixed(1)} MB grid downloaded`,
      `the sync row's generate_grid: ${(build.invocation.ms / 1000).toFixed(1)} s at ${memoryMb} MB (a fresh process: its first event), tile 100, renditions ready`,
      `its storage requests: ${requestsPerInvocation([build.invocation])}`,
    ].join('; '),
  };
}

function fixedCostRow(stage: AwsStage): Row {
  const fixed = fixedMonthlyCost(stage.template);
  const total = fixed.alarmDollars + fixed.secretDollars;
  return {
    workload: COST,
    variant: 'fixed cost of the stack, a month',
    note: [
      `${formatDollars(total)} a month with no traffic: ${fixed.alarms} alarms reading ${fixed.alarmMetrics} metrics (${formatDollars(fixed.alarmDollars)}; an account's first 10 alarm metrics are free), ${fixed.secrets} Secrets Manager secret (${formatDollars(fixed.secretDollars)})`,
      `${fixed.dashboards} dashboard: free among the account's first 3, else ${formatDollars(fixed.dashboardDollars)}`,
      `log ingestion ${formatDollars(PRICES.cloudWatch.perLogGbIngested)}/GB as used (in the rows above: the functions' own lines; Lambda's START/END/REPORT lines and the API's access log line, a few hundred bytes each a request, not counted)`,
    ].join('; '),
  };
}

/** Every key under the prefix, read from the server itself (not counted). */
async function listKeys(stage: AwsStage, prefix: string): Promise<string[]> {
  const client = stage.servers.s3.client();
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: stage.servers.sourceBucket,
          Prefix: prefix,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  } finally {
    client.destroy();
  }
}
