/**
 * AWS list prices the bench's cost figures use: us-east-1, on-demand, first tier, no
 * free tier. Checked on 2026-12-02 against AWS's pricing pages for Lambda
 * (aws.amazon.com/lambda/pricing), API Gateway (/api-gateway/pricing: HTTP API requests
 * metered in 512 KB units) and CloudWatch (/cloudwatch/pricing), AWS's global network FAQ
 * (data transfer out), and pages quoting AWS's prices for S3 (Standard requests and
 * storage), DynamoDB (on demand, halved in November 2024) and Secrets Manager. Change
 * them here when AWS does; other regions cost up to about a quarter more.
 */
export const PRICES = {
  region: 'us-east-1',
  date: '2026-12-02',
  lambda: {
    /** Arm (Graviton), the first 7.5 billion GB-s a month. */
    perGbSecond: 0.0000133334,
    perRequest: 0.2 / 1e6,
  },
  httpApi: {
    /** The first 300 million a month. */
    perRequest: 1.0 / 1e6,
    /** A request is metered in units of 512 KB: a 1.2 MB upload counts 3. */
    meteredBytes: 512 * 1024,
  },
  s3: {
    /** PUT, COPY, POST, LIST. */
    perTier1Request: 0.005 / 1000,
    /** GET, HEAD and the rest but DELETE, which is free. */
    perTier2Request: 0.0004 / 1000,
    /** Standard, the first 50 TB. */
    perGbMonth: 0.023,
  },
  dynamoDb: {
    /** On demand, since the price cut of November 2024. */
    perWriteUnit: 0.625 / 1e6,
    perReadUnit: 0.125 / 1e6,
  },
  cloudWatch: {
    /** Standard resolution; an alarm on metric math counts each metric in it. */
    perAlarmMetricMonth: 0.1,
    /** Each custom dashboard beyond an account's first 3. */
    perDashboardMonth: 3,
    perLogGbIngested: 0.5,
  },
  secretsManager: { perSecretMonth: 0.4, perRequest: 0.05 / 10_000 },
  /** Out of AWS to the internet, the first 10 TB a month (beyond the 100 GB free). */
  dataTransferOutPerGb: 0.09,
} as const;
