import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, type PolicyStatementProps } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RENDITIONS_PREFIX } from '../../src/core/ids.js';
import { functionRole } from './function-role.js';
import { type LambdaCpu, lambdaBundling } from './lambda-bundling.js';
import { PROJECT_ROOT } from './project-root.js';
import type { Storage } from './storage.js';

export interface FunctionsProps {
  /** CPU of the functions; sharp is installed for it. */
  cpu: LambdaCpu;
  /** The buckets and the table the functions use, named in their environment. */
  storage: Storage;
  /** Lifetime of presigned links, seconds. */
  urlExpiresSeconds: number;
  /** Short sides of the renditions made of each image. */
  renditionSizes: readonly number[];
}

/** What one function is: its handler, its size, and the only actions its role allows. */
interface FunctionSpec {
  handler: string;
  memorySize: number;
  timeout: Duration;
  grants: PolicyStatementProps[];
}

/**
 * The four Lambda functions of src/lambda/handlers.ts, one bundle between them: three
 * behind the API, and the renditions worker the source bucket's events invoke. Each
 * has its own role and log group: its role allows only the actions on the resources
 * its code uses.
 */
export class Functions extends Construct {
  readonly addImage: NodejsFunction;
  readonly generateGrid: NodejsFunction;
  readonly grids: NodejsFunction;
  readonly renditions: NodejsFunction;
  /** Events the renditions function still failed on after its retries. */
  readonly renditionsFailures: Queue;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { table, source, destination } = props.storage;
    const environment = {
      STORAGE: 'aws',
      SOURCE_BUCKET: source.bucketName,
      DESTINATION_BUCKET: destination.bucketName,
      TABLE_NAME: table.tableName,
      URL_EXPIRES_SECONDS: String(props.urlExpiresSeconds),
      RENDITION_SIZES: props.renditionSizes.join(','),
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '--enable-source-maps',
      // The decodes in flight (4 x the 2 vCPUs of the largest function) + 4 for I/O; libuv
      // reads it before any of our code runs (src/thread-pool.ts).
      UV_THREADPOOL_SIZE: '12',
    };

    const fn = (name: string, { handler, memorySize, timeout, grants }: FunctionSpec) => {
      const { role, logGroup } = functionRole(
        this,
        name,
        `GridBuilder ${name}: only what its routes need`,
      );
      for (const grant of grants) role.addToPrincipalPolicy(new PolicyStatement(grant));
      return new NodejsFunction(this, name, {
        entry: join(PROJECT_ROOT, 'src/lambda/handlers.ts'),
        handler,
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
        runtime: Runtime.NODEJS_22_X,
        architecture: props.cpu === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
        bundling: lambdaBundling(props.cpu),
        environment,
        logGroup,
        role,
        memorySize,
        timeout,
      });
    };
    const sourceObjects = source.arnForObjects('*');
    const gridObjects = destination.arnForObjects('*');

    // add_image: bodies up to Lambda's 6 MB payload; one decode to validate.
    this.addImage = fn('AddImage', {
      handler: 'addImage',
      memorySize: 1024,
      timeout: Duration.seconds(15),
      grants: [
        // DeleteObject: takes the object back when recording it fails.
        { actions: ['s3:PutObject', 's3:DeleteObject'], resources: [sourceObjects] },
        { actions: ['dynamodb:PutItem'], resources: [table.tableArn] },
      ],
    });

    // generate_grid: decodes every source image; ~1769 MB is one full vCPU, 3008 MB
    // nearly two. 29 s: the HTTP API integration timeout is 30 s.
    this.generateGrid = fn('GenerateGrid', {
      handler: 'generateGrid',
      memorySize: 3008,
      timeout: Duration.seconds(29),
      grants: [
        // GetItem: the grid's order item.
        { actions: ['dynamodb:Query', 'dynamodb:GetItem'], resources: [table.tableArn] },
        { actions: ['s3:GetObject'], resources: [sourceObjects] },
        // GetObject also backs the presigned URL it hands out.
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [gridObjects] },
        // Without ListBucket, HEAD of a grid not built yet answers 403 instead of 404.
        { actions: ['s3:ListBucket'], resources: [destination.bucketArn] },
      ],
    });

    // Grid routes: list (presigned GETs), deletes, two-step upload (validates up to
    // MAX_UPLOAD_BYTES, so more memory than add_image), health.
    this.grids = fn('Grids', {
      handler: 'grids',
      memorySize: 1536,
      timeout: Duration.seconds(29),
      grants: [
        {
          // GetItem and DeleteItem: the grid's order item (read, removed with the grid).
          actions: [
            'dynamodb:Query',
            'dynamodb:PutItem',
            'dynamodb:GetItem',
            'dynamodb:DeleteItem',
            'dynamodb:BatchWriteItem',
          ],
          resources: [table.tableArn],
        },
        {
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [sourceObjects],
        },
        { actions: ['s3:DeleteObject'], resources: [gridObjects] },
        // Listing a grid's objects to delete them, HEAD answering 404, and /health.
        { actions: ['s3:ListBucket'], resources: [source.bucketArn, destination.bucketArn] },
      ],
    });

    // Renditions (src/lambda/renditions.ts): one image an event, decoded by one libvips
    // thread (sharp's concurrency is 1), so one full vCPU (1769 MB) and no more; a
    // 100 MP JPEG or PNG took 0.7-1.2 s and 150-210 MB of RSS here, and WebP and AVIF
    // decode whole frames (about 4 bytes a pixel), which the memory leaves room for.
    this.renditions = fn('Renditions', {
      handler: 'renditions',
      memorySize: 1769,
      timeout: Duration.seconds(60),
      grants: [
        // makeRenditions' calls: the grid's records (Query), then the sizes, on condition
        // that the record still exists (UpdateItem).
        { actions: ['dynamodb:Query', 'dynamodb:UpdateItem'], resources: [table.tableArn] },
        // Image keys are GRID/ID.ext. No ListBucket: a source deleted meanwhile answers
        // 403 rather than 404, the invocation fails, and its retry finds the record gone.
        { actions: ['s3:GetObject'], resources: [source.arnForObjects('*/*')] },
        // DeleteObject: takes them back when the image was deleted while they were made.
        {
          actions: ['s3:PutObject', 's3:DeleteObject'],
          resources: [source.arnForObjects(`${RENDITIONS_PREFIX}*`)],
        },
      ],
    });
    // The whole invocation record (event, error message) of what still failed, for a
    // person to look at and send again; meanwhile builds read that image's original.
    this.renditionsFailures = new Queue(this, 'RenditionsFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.renditions.configureAsyncInvoke({
      retryAttempts: 2,
      // Lambda's own maximum: a burst of uploads past the account's concurrency waits
      // in Lambda's queue instead of going to the dead-letter queue untried.
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.renditionsFailures),
    });
  }
}
