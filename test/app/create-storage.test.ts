import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from '../../src/app/create-storage.js';
import { loadConfig } from '../../src/config.js';
import { DynamoDbGridIndex } from '../../src/storage/aws/dynamodb-grid-index.js';
import { S3ObjectStore } from '../../src/storage/aws/s3-object-store.js';
import { type AwsServers, awsEnv, startAwsServers } from '../support/aws-servers.js';

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
      expect(storage.routes).toBeUndefined(); // S3 serves its own presigned links
      await storage.objects.ping();
      await storage.index.ping();
    } finally {
      storage.close();
    }
  });
});
