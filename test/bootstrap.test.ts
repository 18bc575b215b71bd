import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from '../src/bootstrap.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { DynamoDbGridIndex } from '../src/storage/aws/dynamodb-grid-index.js';
import { S3ObjectStore } from '../src/storage/aws/s3-object-store.js';
import { type AwsServers, awsEnv, startAwsServers } from './support/aws-servers.js';

describe('configuration for STORAGE=aws', () => {
  const buckets = { STORAGE: 'aws', SOURCE_BUCKET: 'src', DESTINATION_BUCKET: 'dst' };

  it('reads S3_FORCE_PATH_STYLE as a flag, off by default', () => {
    expect(loadConfig(buckets).S3_FORCE_PATH_STYLE).toBe(false);
    expect(loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: 'true' }).S3_FORCE_PATH_STYLE).toBe(true);
    expect(loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: '1' }).S3_FORCE_PATH_STYLE).toBe(true);
    expect(loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: 'false' }).S3_FORCE_PATH_STYLE).toBe(
      false,
    );
    expect(() => loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: 'yes please' })).toThrow(
      /S3_FORCE_PATH_STYLE must be true or false/,
    );
  });

  it('needs both bucket names', () => {
    expect(() => loadConfig({ STORAGE: 'aws', SOURCE_BUCKET: 'src' })).toThrow(ConfigError);
    expect(() => loadConfig({ STORAGE: 'aws', SOURCE_BUCKET: 'src' })).toThrow(
      /SOURCE_BUCKET and DESTINATION_BUCKET/,
    );
  });
});

describe('createStorage', () => {
  let servers: AwsServers;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    servers = await startAwsServers();
    Object.assign(process.env, awsEnv(servers));
  });

  afterAll(async () => {
    await servers?.stop();
    process.env = savedEnv;
  });

  it('picks S3 + DynamoDB for STORAGE=aws, found through the SDK endpoint variables', async () => {
    const storage = createStorage(loadConfig(awsEnv(servers)));
    try {
      expect(storage.objects).toBeInstanceOf(S3ObjectStore);
      expect(storage.index).toBeInstanceOf(DynamoDbGridIndex);
      expect(storage.signedFiles).toBeUndefined(); // S3 serves its own presigned links
      await storage.objects.ping();
      await storage.index.ping();
    } finally {
      storage.close();
    }
  });
});
