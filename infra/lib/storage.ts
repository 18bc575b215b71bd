import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { type Bucket, EventType, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { functionRole } from './function-role.js';
import { privateBucket } from './private-bucket.js';

/** The id of CDK's stack-wide handler that writes bucket notification configurations. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

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
  private readonly notificationsLogs: LogGroup;

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
    // CDK's notifications handler would make itself a role with AWSLambdaBasicExecutionRole
    // (logs on "*"): it gets one like the functions' instead, which CDK grants
    // s3:PutBucketNotification on this bucket alone. CDK still attaches the managed policy
    // to a role it is given; the override takes it off again.
    const notifications = functionRole(
      this,
      'SourceNotifications',
      "GridBuilder: writes the source bucket's event notifications",
    );
    (notifications.role.node.defaultChild as CfnRole).addPropertyDeletionOverride(
      'ManagedPolicyArns',
    );
    this.notificationsLogs = notifications.logGroup;
    this.source = privateBucket(this, 'SourceBucket', props.destroyData, {
      notificationsHandlerRole: notifications.role,
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

  /**
   * Invokes `fn` asynchronously for every object created in the source bucket. S3 can
   * filter a notification by one key prefix and one suffix only, and image keys
   * (`GRID_ID/IMAGE_ID.ext`) share no prefix that renditions and staged uploads lack:
   * `fn` tells image keys from the rest itself.
   */
  notifyObjectCreated(fn: IFunction): void {
    this.source.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(fn));
    const handler = Stack.of(this).node.findChild(NOTIFICATIONS_HANDLER_ID).node
      .defaultChild as CfnResource;
    handler.addPropertyOverride('LoggingConfig', {
      LogGroup: this.notificationsLogs.logGroupName,
    });
  }
}
