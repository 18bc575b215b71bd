/**
 * What invocations measured on the AWS stage would cost on AWS (bench/aws-prices.ts):
 * Lambda's GB-s at the memory the synthesized template gives each function, Lambda's
 * and the HTTP API's requests, the S3 and DynamoDB requests the stage's proxies
 * counted, the functions' log lines; and what the stack costs a month whatever its use.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { Tally } from '../test/support/storage-request-tally.js';
import { PRICES } from './aws-prices.js';

/** One invocation as the bench saw it. */
export interface Invocation {
  /** The handler's time; Lambda bills it rounded up to the millisecond. */
  ms: number;
  /** What it asked of S3 and DynamoDB. */
  requests: Tally;
  /** Its own log lines (JSON, one a line). */
  logBytes: number;
  /** The body of the HTTP API request that invoked it; undefined: not invoked through the API. */
  apiBodyBytes?: number;
}

/** Dollars, by what the bill names. */
export interface Cost {
  lambdaDuration: number;
  lambdaRequests: number;
  httpApi: number;
  s3Requests: number;
  dynamoDb: number;
  logs: number;
}

const S3_TIER_1 = new Set(['S3 PUT', 'S3 COPY', 'S3 POST', 'S3 LIST']);
const DYNAMODB_READS = new Set([
  'DynamoDB GetItem',
  'DynamoDB Query',
  'DynamoDB Scan',
  'DynamoDB BatchGetItem',
]);

/** The memory (MB) the template gives the function whose handler is `handler`. */
export function memoryOf(template: Template, handler: string): number {
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (f) => f.Properties.Handler === `index.${handler}`,
  );
  const memory = fn?.Properties.MemorySize;
  if (typeof memory !== 'number') throw new Error(`no memory size for index.${handler}`);
  return memory;
}

/** What the invocations of one function at `memoryMb` cost together. */
export function costOf(invocations: readonly Invocation[], memoryMb: number): Cost {
  const cost: Cost = {
    lambdaDuration: 0,
    lambdaRequests: 0,
    httpApi: 0,
    s3Requests: 0,
    dynamoDb: 0,
    logs: 0,
  };
  for (const { ms, requests, logBytes, apiBodyBytes } of invocations) {
    cost.lambdaDuration += (memoryMb / 1024) * (Math.ceil(ms) / 1000) * PRICES.lambda.perGbSecond;
    cost.lambdaRequests += PRICES.lambda.perRequest;
    if (apiBodyBytes !== undefined) {
      const metered = Math.max(1, Math.ceil(apiBodyBytes / PRICES.httpApi.meteredBytes));
      cost.httpApi += metered * PRICES.httpApi.perRequest;
    }
    for (const [kind, { requests: n, units }] of Object.entries(requests)) {
      if (kind.startsWith('DynamoDB ')) {
        cost.dynamoDb +=
          units *
          (DYNAMODB_READS.has(kind) ? PRICES.dynamoDb.perReadUnit : PRICES.dynamoDb.perWriteUnit);
      } else if (kind !== 'S3 DELETE') {
        cost.s3Requests +=
          n * (S3_TIER_1.has(kind) ? PRICES.s3.perTier1Request : PRICES.s3.perTier2Request);
      }
    }
    cost.logs += (logBytes / 1024 ** 3) * PRICES.cloudWatch.perLogGbIngested;
  }
  return cost;
}

export function addCosts(...costs: Cost[]): Cost {
  const [first, ...rest] = costs;
  if (!first) throw new Error('no cost to add');
  const sum = { ...first };
  for (const cost of rest) {
    for (const key of Object.keys(sum) as (keyof Cost)[]) sum[key] += cost[key];
  }
  return sum;
}

export function scaleCost(cost: Cost, factor: number): Cost {
  return Object.fromEntries(
    Object.entries(cost).map(([key, dollars]) => [key, dollars * factor]),
  ) as unknown as Cost;
}

export const totalOf = (cost: Cost) => Object.values(cost).reduce((sum, d) => sum + d, 0);

/** Cents for sums, two significant digits for fractions of a cent, never an exponent. */
export function formatDollars(dollars: number): string {
  if (dollars >= 0.1) return `$${dollars.toFixed(2)}`;
  if (dollars < 0.000001) return '< $0.000001';
  return `$${dollars.toFixed(Math.max(2, 1 - Math.floor(Math.log10(dollars))))}`;
}

/** "$0.012 (Lambda GB-s $0.008, Lambda requests $0.0002, ...)". */
export function describeCost(cost: Cost): string {
  const parts = [
    `Lambda GB-s ${formatDollars(cost.lambdaDuration)}`,
    `Lambda requests ${formatDollars(cost.lambdaRequests)}`,
    `HTTP API ${formatDollars(cost.httpApi)}`,
    `S3 requests ${formatDollars(cost.s3Requests)}`,
    `DynamoDB ${formatDollars(cost.dynamoDb)}`,
    `log ingestion ${formatDollars(cost.logs)}`,
  ];
  return `${formatDollars(totalOf(cost))} (${parts.join(', ')})`;
}

/**
 * What the stack costs a month with no traffic: its alarms (an alarm on metric math
 * counts each metric it reads), its dashboard (free among an account's first 3) and
 * its secrets, as the template declares them.
 */
export function fixedMonthlyCost(template: Template) {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const alarmMetrics = alarms.reduce((sum, alarm) => {
    const metrics = alarm.Properties.Metrics as { MetricStat?: unknown }[] | undefined;
    return sum + (metrics ? metrics.filter((m) => m.MetricStat).length : 1);
  }, 0);
  const dashboards = Object.keys(template.findResources('AWS::CloudWatch::Dashboard')).length;
  const secrets = Object.keys(template.findResources('AWS::SecretsManager::Secret')).length;
  const alarmDollars = alarmMetrics * PRICES.cloudWatch.perAlarmMetricMonth;
  const secretDollars = secrets * PRICES.secretsManager.perSecretMonth;
  const dashboardDollars = dashboards * PRICES.cloudWatch.perDashboardMonth;
  return {
    alarms: alarms.length,
    alarmMetrics,
    dashboards,
    secrets,
    alarmDollars,
    secretDollars,
    dashboardDollars,
  };
}
