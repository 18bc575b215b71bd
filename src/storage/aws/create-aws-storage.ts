import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Config } from '../../config.js';
import type { BuildRunner } from '../../core/ports.js';
import type { StorageBackend } from '../storage-backend.js';
import {
  type AwsClientOptions,
  createDynamoDbClient,
  createLambdaClient,
  createS3Client,
} from './aws-clients.js';
import { DynamoDbGridIndex } from './dynamodb-grid-index.js';
import { LambdaBuildRunner } from './lambda-build-runner.js';
import { S3ObjectStore } from './s3-object-store.js';

/**
 * S3 + DynamoDB behind the two ports: `STORAGE=aws`, the Lambda functions, containers;
 * and Lambda for the builds answered 202 when BUILD_FUNCTION_NAME is set.
 */
export function createAwsStorage(
  config: Pick<
    Config,
    | 'SOURCE_BUCKET'
    | 'DESTINATION_BUCKET'
    | 'TABLE_NAME'
    | 'S3_FORCE_PATH_STYLE'
    | 'BUILD_FUNCTION_NAME'
    | 'STORAGE_CALL_TIMEOUT_MS'
  >,
  overrides: AwsClientOptions = {},
): StorageBackend {
  if (!config.SOURCE_BUCKET || !config.DESTINATION_BUCKET) {
    throw new Error('AWS storage needs SOURCE_BUCKET and DESTINATION_BUCKET');
  }
  // On Lambda the invocation's remaining time bounds each call instead (invocation.ts).
  const options = { callTimeoutMs: config.STORAGE_CALL_TIMEOUT_MS, ...overrides };
  const s3 = createS3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE, ...options });
  const dynamoDb = createDynamoDbClient(options);
  let lambda: LambdaClient | undefined;
  let buildRunner: BuildRunner | undefined;
  if (config.BUILD_FUNCTION_NAME) {
    lambda = createLambdaClient(options);
    buildRunner = new LambdaBuildRunner(lambda, config.BUILD_FUNCTION_NAME);
  }
  return {
    objects: new S3ObjectStore(s3, {
      source: config.SOURCE_BUCKET,
      destination: config.DESTINATION_BUCKET,
    }),
    index: new DynamoDbGridIndex(dynamoDb, config.TABLE_NAME),
    buildRunner,
    close: () => {
      s3.destroy();
      dynamoDb.destroy();
      lambda?.destroy();
    },
  };
}
