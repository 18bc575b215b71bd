/**
 * S3 and DynamoDB protocol servers on 127.0.0.1 for tests: s3rver (S3's REST/XML API,
 * files in a temp folder) and dynalite (DynamoDB's JSON API, in memory, with the real
 * 1 MB Query page). Each starts on a free port; the AWS SDK talks to them unchanged.
 *
 * Reuse: `startAwsServers()` gives both with the lab's buckets and table created.
 * To put something between the adapters and the servers (a fault-injecting or slow
 * proxy), pass its URL as `endpoints` to `awsStorageConfig` / `awsEnv`, or as
 * `s3Endpoint` / `dynamoDbEndpoint` to `createAwsStorage`'s overrides.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import { type Config, loadConfig } from '../../src/config.js';

/** s3rver accepts only these; dynalite accepts any. */
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const TEST_REGION = 'us-east-1';

export interface RunningS3 {
  endpoint: string;
  directory: string;
  /** A client on this server (path-style, test credentials). */
  client(endpoint?: string): S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface RunningDynamoDb {
  endpoint: string;
  client(endpoint?: string): DynamoDBClient;
  /** The lab's table: hash key uniqueGridId (S), range key s3Key (S), on demand. */
  createGridTable(name?: string): Promise<void>;
  stop(): Promise<void>;
}

const S3RVER_PROCESS = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

/** s3rver in a child process (see s3rver-process.mjs for why), on a free port. */
export async function startS3(): Promise<RunningS3> {
  const directory = await mkdtemp(join(tmpdir(), 'gridbuilder-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', S3RVER_PROCESS, directory], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    exited.then(([code]) => {
      throw new Error(`s3rver exited with code ${code} before listening`);
    }),
  ])) as [string];
  const { port } = JSON.parse(line) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = (at = endpoint) =>
    new S3Client({
      endpoint: at,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      forcePathStyle: true,
    });
  return {
    endpoint,
    directory,
    client,
    async createBucket(name) {
      const s3 = client();
      try {
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        s3.destroy();
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.stdin.end();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function startDynamoDb(): Promise<RunningDynamoDb> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = (at = endpoint) =>
    new DynamoDBClient({ endpoint: at, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  return {
    endpoint,
    client,
    async createGridTable(name = 'GridBuilder') {
      const dynamo = client();
      try {
        await dynamo.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: [
              { AttributeName: 'uniqueGridId', KeyType: 'HASH' },
              { AttributeName: 's3Key', KeyType: 'RANGE' },
            ],
            AttributeDefinitions: [
              { AttributeName: 'uniqueGridId', AttributeType: 'S' },
              { AttributeName: 's3Key', AttributeType: 'S' },
            ],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
      } finally {
        dynamo.destroy();
      }
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface AwsServers {
  s3: RunningS3;
  dynamoDb: RunningDynamoDb;
  sourceBucket: string;
  destinationBucket: string;
  tableName: string;
  stop(): Promise<void>;
}

let counter = 0;

/** Both servers, with a source bucket, a destination bucket and the lab's table. */
export async function startAwsServers(): Promise<AwsServers> {
  const [s3, dynamoDb] = await Promise.all([startS3(), startDynamoDb()]);
  const suffix = `${process.pid}-${++counter}`;
  const servers: AwsServers = {
    s3,
    dynamoDb,
    sourceBucket: `gridbuilder-source-${suffix}`,
    destinationBucket: `gridbuilder-destination-${suffix}`,
    tableName: 'GridBuilder',
    stop: async () => {
      await Promise.all([s3.stop(), dynamoDb.stop()]);
    },
  };
  await Promise.all([
    s3.createBucket(servers.sourceBucket),
    s3.createBucket(servers.destinationBucket),
    dynamoDb.createGridTable(servers.tableName),
  ]);
  return servers;
}

export interface Endpoints {
  s3?: string;
  dynamoDb?: string;
}

/**
 * The environment a GridBuilder process (server or Lambda handler) needs to run on
 * these servers, through the SDK's own endpoint variables. `endpoints` swaps in
 * another address, e.g. a proxy in front of the servers.
 */
export function awsEnv(servers: AwsServers, endpoints: Endpoints = {}): Record<string, string> {
  return {
    STORAGE: 'aws',
    SOURCE_BUCKET: servers.sourceBucket,
    DESTINATION_BUCKET: servers.destinationBucket,
    TABLE_NAME: servers.tableName,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ENDPOINT_URL_S3: endpoints.s3 ?? servers.s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoDb ?? servers.dynamoDb.endpoint,
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  };
}

/** A full, validated Config for STORAGE=aws on these servers. */
export function awsStorageConfig(
  servers: AwsServers,
  extra: Record<string, string> = {},
  endpoints: Endpoints = {},
): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...awsEnv(servers, endpoints), ...extra });
}

/** Overrides for createAwsStorage that need no process environment. */
export function awsClientOverrides(servers: AwsServers, endpoints: Endpoints = {}) {
  return {
    s3Endpoint: endpoints.s3 ?? servers.s3.endpoint,
    dynamoDbEndpoint: endpoints.dynamoDb ?? servers.dynamoDb.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  };
}

/**
 * Runs `fn` with these variables set in process.env, restoring them afterwards.
 * For code that reads the environment itself (the SDK's endpoint variables).
 */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
