import type { Config } from '../../config.js';
import type { StorageBackend } from '../storage-backend.js';
import { type AwsClientOptions, createDynamoDbClient, createS3Client } from './aws-clients.js';
import { DynamoDbGridIndex } from './dynamodb-grid-index.js';
import { S3ObjectStore } from './s3-object-store.js';

/** S3 + DynamoDB behind the two ports: `STORAGE=aws`, the Lambda functions, containers. */
export function createAwsStorage(
  config: Pick<
    Config,
    'SOURCE_BUCKET' | 'DESTINATION_BUCKET' | 'TABLE_NAME' | 'S3_FORCE_PATH_STYLE'
  >,
  overrides: AwsClientOptions = {},
): StorageBackend {
  if (!config.SOURCE_BUCKET || !config.DESTINATION_BUCKET) {
    throw new Error('AWS storage needs SOURCE_BUCKET and DESTINATION_BUCKET');
  }
  const s3 = createS3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE, ...overrides });
  const dynamoDb = createDynamoDbClient(overrides);
  return {
    objects: new S3ObjectStore(s3, {
      source: config.SOURCE_BUCKET,
      destination: config.DESTINATION_BUCKET,
    }),
    index: new DynamoDbGridIndex(dynamoDb, config.TABLE_NAME),
    close: () => {
      s3.destroy();
      dynamoDb.destroy();
    },
  };
}
