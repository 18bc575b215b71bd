import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withinCallLimit } from './call-deadline.js';
import { DeadlineHttpHandler } from './deadline-http-handler.js';

export interface AwsClientOptions {
  /**
   * Endpoint overrides. Normally unset: the SDK reads AWS_ENDPOINT_URL_S3 and
   * AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL) itself. Tests use these to
   * point one adapter at a proxy without touching the process environment.
   */
  s3Endpoint?: string | undefined;
  dynamoDbEndpoint?: string | undefined;
  /** Lambda's API, for the build worker's invocations (else AWS_ENDPOINT_URL_LAMBDA). */
  lambdaEndpoint?: string | undefined;
  /** `bucket` in the path instead of the host name: what MinIO, Ceph and s3rver need. */
  forcePathStyle?: boolean | undefined;
  /** Default: the SDK's chain (environment, profile, container or Lambda role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Default: AWS_REGION or the profile's region. */
  region?: string | undefined;
  /** Attempts per call, first one included; default 3 (the SDK's standard retry strategy). */
  maxAttempts?: number | undefined;
  /**
   * Milliseconds one call may take, its retries included, where no Lambda invocation
   * bounds it (STORAGE_CALL_TIMEOUT_MS); default: unbounded.
   */
  callTimeoutMs?: number | undefined;
}

/**
 * One pool of kept-alive sockets per client, and a connection timeout so a dead
 * endpoint fails fast. Within a call deadline (a Lambda invocation's remaining time)
 * every attempt is also bounded by it: see DeadlineHttpHandler.
 */
const requestHandler = () =>
  new DeadlineHttpHandler({
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    httpAgent: { keepAlive: true, maxSockets: 64 },
    httpsAgent: { keepAlive: true, maxSockets: 64 },
  });

/** The middleware stack of any SDK v3 client (each client's own type names it otherwise). */
type ClientStack = S3Client['middlewareStack'];

/**
 * Bounds each call of `client` by `callTimeoutMs` through the same call deadline as a
 * Lambda invocation's (DeadlineHttpHandler cuts the attempts). Set at the initialize
 * step, before the retries: the limit is the call's, not each attempt's.
 */
function boundEachCall<C extends { middlewareStack: unknown }>(
  client: C,
  callTimeoutMs: number | undefined,
): C {
  if (callTimeoutMs === undefined) return client;
  (client.middlewareStack as ClientStack).add(
    (next) => (args) => withinCallLimit(callTimeoutMs, () => next(args)),
    { step: 'initialize', priority: 'high', name: 'gridBuilderCallLimit' },
  );
  return client;
}

const common = (options: AwsClientOptions) => ({
  ...(options.region ? { region: options.region } : {}),
  ...(options.credentials ? { credentials: options.credentials } : {}),
  retryMode: 'standard',
  maxAttempts: options.maxAttempts ?? 3,
  requestHandler: requestHandler(),
});

export function createS3Client(options: AwsClientOptions = {}): S3Client {
  return boundEachCall(
    new S3Client({
      ...common(options),
      ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      // Otherwise the SDK signs the CRC32 of an empty body into presigned PUT URLs,
      // and S3, R2 and MinIO reject every real upload to them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    options.callTimeoutMs,
  );
}

export function createDynamoDbClient(options: AwsClientOptions = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...common(options),
    ...(options.dynamoDbEndpoint ? { endpoint: options.dynamoDbEndpoint } : {}),
  });
  // The document client shares this client's middleware stack.
  boundEachCall(client, options.callTimeoutMs);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function createLambdaClient(options: AwsClientOptions = {}): LambdaClient {
  return boundEachCall(
    new LambdaClient({
      ...common(options),
      ...(options.lambdaEndpoint ? { endpoint: options.lambdaEndpoint } : {}),
    }),
    options.callTimeoutMs,
  );
}

/** Secrets Manager, for the API key the functions read at their cold start (else AWS_ENDPOINT_URL_SECRETS_MANAGER). */
export function createSecretsManagerClient(options: AwsClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient(common(options));
}
