import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type Bucket, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { privateBucket } from './private-bucket.js';

export interface StorageProps {
  /** Table name; none lets CloudFormation generate one (a fixed name allows one stack a region). */
  tableName?: string;
  /** Days a built grid is kept in the destination bucket (rebuilt on demand after). */
  gridRetentionDays: number;
  /** Origins whose pages may use the buckets' presigned URLs from a browser. */
  corsOrigins: string[];
  /** Delete the buckets (with their objects) and the table on `cdk destroy`. */
  destroyData: boolean;
}

/**
 * What GridBuilder keeps: the source images, the built grids (a cache), and the table
 * that records a grid's images (hash key uniqueGridId, range key s3Key).
 */
export class Storage extends Construct {
  readonly table: TableV2;
  readonly source: Bucket;
  readonly destination: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = new TableV2(this, 'ImagesTable', {
      ...(props.tableName ? { tableName: props.tableName } : {}),
      partitionKey: { name: 'uniqueGridId', type: AttributeType.STRING },
      sortKey: { name: 's3Key', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      // Markers of confirmed two-step uploads expire once their links cannot be used.
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    const abortIncompleteMultipart = {
      id: 'abort-incomplete-multipart',
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    };
    this.source = privateBucket(this, 'SourceBucket', props.destroyData, {
      lifecycleRules: [
        abortIncompleteMultipart,
        // Two-step uploads never confirmed.
        { id: 'expire-unconfirmed-uploads', prefix: '_uploads/', expiration: Duration.days(1) },
      ],
      // The page PUTs two-step uploads (sending their Content-Type) and shows sources.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
          allowedOrigins: props.corsOrigins,
          allowedHeaders: ['content-type'],
          maxAge: 3000,
        },
      ],
    });
    this.destination = privateBucket(this, 'DestinationBucket', props.destroyData, {
      lifecycleRules: [
        abortIncompleteMultipart,
        // Built grids are a cache: generate_grid rebuilds one that expired.
        { id: 'expire-built-grids', expiration: Duration.days(props.gridRetentionDays) },
      ],
      // The page fetches the built grid to know its size and offer it as a download.
      cors: [
        { allowedMethods: [HttpMethods.GET], allowedOrigins: props.corsOrigins, maxAge: 3000 },
      ],
    });
  }
}
