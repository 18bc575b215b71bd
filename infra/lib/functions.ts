import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, type PolicyStatementProps } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AWS_URL_EXPIRES_CEILING } from '../../src/config.js';
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
  /** Lifetime of presigned links, seconds: at most AWS_URL_EXPIRES_CEILING (12 hours). */
  urlExpiresSeconds: number;
  /** Short sides of the renditions made of each image. */
  renditionSizes: readonly number[];
  /** The API key the three API functions read at their cold start; none: an open API (or Cognito's). */
  apiKeySecret?: ISecret;
  /** Reserved concurrency of generate_grid and of the build worker, each; 0: none. */
  buildConcurrency: number;
}

/** What one function is: its handler, its size, and the only actions its role allows. */
interface FunctionSpec {
  handler: string;
  memorySize: number;
  timeout: Duration;
  grants: PolicyStatementProps[];
  /** Variables of this function alone, next to those all of them get. */
  environment?: Record<string, string>;
  /** At most this many run at once, and as many are kept for it out of the account's pool. */
  reservedConcurrentExecutions?: number;
}

/**
 * DynamoDB's condition that every item a request reads or writes is a build record:
 * their hash key is `_builds/GRID` (src/storage/aws/dynamodb-grid-index.ts).
 */
const BUILD_ITEMS_ONLY = {
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['_builds/*'] },
};

/**
 * DynamoDB's condition that every item a request reads or writes is an image record:
 * its hash key is a grid id, which never starts with "_" as the items of claims,
 * orders and builds do.
 */
const IMAGE_ITEMS_ONLY = {
  'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['_*'] },
};

/**
 * The five Lambda functions of src/lambda/handlers.ts, one bundle between them: three
 * behind the API, the renditions worker the source bucket's events invoke, and the
 * build worker generate_grid invokes for builds too big for one request. Each has its
 * own role and log group: its role allows only the actions on the resources its code
 * uses.
 */
export class Functions extends Construct {
  readonly addImage: NodejsFunction;
  readonly generateGrid: NodejsFunction;
  readonly grids: NodejsFunction;
  readonly renditions: NodejsFunction;
  readonly buildWorker: NodejsFunction;
  /** Events the renditions function still failed on after its retries. */
  readonly renditionsFailures: Queue;
  /** Builds the build worker still failed on after its retries (their records say failed). */
  readonly buildWorkerFailures: Queue;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const expires = props.urlExpiresSeconds;
    // Each function's configuration refuses more at its cold start (src/config.ts): the
    // stack would deploy, then fail every request. Refused here, before anything deploys.
    if (!Number.isInteger(expires) || expires < 1 || expires > AWS_URL_EXPIRES_CEILING) {
      throw new Error(
        `urlExpiresSeconds=${expires}: use a whole number of seconds from 1 to ${AWS_URL_EXPIRES_CEILING} (12 hours): on AWS the functions sign presigned links with their role's temporary credentials, and S3 refuses a link once that session ends`,
      );
    }
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
      // Labels are drawn with the font the bundle carries (lambda-bundling.ts): Lambda's
      // runtime has no fonts, and Pango would draw a box for every character.
      FONTCONFIG_FILE: '/var/task/fonts/fonts.conf',
    };

    const fn = (
      name: string,
      {
        handler,
        memorySize,
        timeout,
        grants,
        environment: own = {},
        reservedConcurrentExecutions,
      }: FunctionSpec,
    ) => {
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
        environment: { ...environment, ...own },
        logGroup,
        role,
        memorySize,
        timeout,
        reservedConcurrentExecutions,
      });
    };
    const sourceObjects = source.arnForObjects('*');
    const gridObjects = destination.arnForObjects('*');
    // What the functions behind the API need to check its key: the secret's ARN, and the
    // right to read that one secret (not DescribeSecret, which grantRead adds).
    const { apiKeySecret } = props;
    const apiKey: Pick<FunctionSpec, 'environment' | 'grants'> = apiKeySecret
      ? {
          environment: { API_KEYS_SECRET_ARN: apiKeySecret.secretArn },
          grants: [
            { actions: ['secretsmanager:GetSecretValue'], resources: [apiKeySecret.secretArn] },
          ],
        }
      : { environment: {}, grants: [] };
    // A cap on what builds cost at once (3 GB each, for up to 29 s or 15 min), also kept
    // for them out of the account's pool; undefined (0) leaves them in the shared pool.
    const buildConcurrency = props.buildConcurrency || undefined;

    // Builds answered 202 (src/lambda/build-worker.ts): the same work as generate_grid's,
    // as much CPU, and Lambda's longest timeout instead of API Gateway's 30 s.
    this.buildWorker = fn('BuildWorker', {
      handler: 'buildWorker',
      memorySize: 3008,
      timeout: Duration.minutes(15),
      reservedConcurrentExecutions: buildConcurrency,
      grants: [
        // The grid's records (Query), its order item and the build's record (GetItem).
        { actions: ['dynamodb:Query', 'dynamodb:GetItem'], resources: [table.tableArn] },
        // Progress and outcome: build records only.
        {
          actions: ['dynamodb:PutItem'],
          resources: [table.tableArn],
          conditions: BUILD_ITEMS_ONLY,
        },
        // Originals and renditions (_renditions/...).
        { actions: ['s3:GetObject'], resources: [sourceObjects] },
        // GetObject: HEAD of a grid built already.
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [gridObjects] },
        // Without ListBucket, HEAD of a grid not built yet answers 403 instead of 404.
        { actions: ['s3:ListBucket'], resources: [destination.bucketArn] },
      ],
    });

    // add_image: bodies up to Lambda's 6 MB payload; one decode to validate.
    this.addImage = fn('AddImage', {
      handler: 'addImage',
      memorySize: 1024,
      timeout: Duration.seconds(15),
      environment: apiKey.environment,
      grants: [
        ...apiKey.grants,
        // The Delete actions take the image back when recording it fails: the record
        // (one DeleteItem, as the write may have been applied), then the object.
        { actions: ['s3:PutObject', 's3:DeleteObject'], resources: [sourceObjects] },
        {
          actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
          resources: [table.tableArn],
          conditions: IMAGE_ITEMS_ONLY,
        },
      ],
    });

    // generate_grid: decodes every source image; ~1769 MB is one full vCPU, 3008 MB
    // nearly two. 29 s: the HTTP API integration timeout is 30 s.
    // Builds that would not fit go to the build worker, asynchronously.
    this.generateGrid = fn('GenerateGrid', {
      handler: 'generateGrid',
      memorySize: 3008,
      timeout: Duration.seconds(29),
      environment: { BUILD_FUNCTION_NAME: this.buildWorker.functionName, ...apiKey.environment },
      reservedConcurrentExecutions: buildConcurrency,
      grants: [
        ...apiKey.grants,
        // GetItem: the grid's order item and build records.
        { actions: ['dynamodb:Query', 'dynamodb:GetItem'], resources: [table.tableArn] },
        // Records the builds it starts.
        {
          actions: ['dynamodb:PutItem'],
          resources: [table.tableArn],
          conditions: BUILD_ITEMS_ONLY,
        },
        { actions: ['lambda:InvokeFunction'], resources: [this.buildWorker.functionArn] },
        { actions: ['s3:GetObject'], resources: [sourceObjects] },
        // GetObject also backs the presigned URL it hands out.
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [gridObjects] },
        // Without ListBucket, HEAD of a grid not built yet answers 403 instead of 404.
        { actions: ['s3:ListBucket'], resources: [destination.bucketArn] },
      ],
    });

    // Grid routes: list (presigned GETs), deletes, two-step upload (validates up to
    // MAX_UPLOAD_BYTES, so more memory than add_image), a build's status, health.
    this.grids = fn('Grids', {
      handler: 'grids',
      memorySize: 1536,
      timeout: Duration.seconds(29),
      environment: apiKey.environment,
      grants: [
        ...apiKey.grants,
        {
          // GetItem and DeleteItem: the grid's order item (read, removed with the grid);
          // GetItem: a build's record.
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
        // GetObject backs the presigned URL of a finished build's status, and its HEAD.
        { actions: ['s3:GetObject', 's3:DeleteObject'], resources: [gridObjects] },
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
        // makeRenditions' calls: the image's record (Query), then the sizes, on condition
        // that the record still exists (UpdateItem); image records only.
        {
          actions: ['dynamodb:Query', 'dynamodb:UpdateItem'],
          resources: [table.tableArn],
          conditions: IMAGE_ITEMS_ONLY,
        },
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
    // Builds read a failed image's original meanwhile. Lambda's own maximum age: a
    // burst of uploads past the account's concurrency waits in Lambda's queue instead
    // of going to the dead-letter queue untried.
    this.renditionsFailures = this.retried('Renditions', this.renditions, Duration.hours(6));
    // A build's third run records its failure itself (build_failed) and returns: the
    // queue gets the events whose runs died (a timeout, a crash) or waited too long.
    // An hour: three runs of 15 minutes and Lambda's waits between them (about 1 and 2
    // minutes) fit; a build unheard of for longer has been reported stalled already.
    this.buildWorkerFailures = this.retried('BuildWorker', this.buildWorker, Duration.hours(1));
  }

  /**
   * Lambda runs an event that failed twice more, then sends the whole invocation
   * record (event, error message) to `${name}Failures`, for a person to look at and
   * send again.
   */
  private retried(name: string, fn: NodejsFunction, maxEventAge: Duration): Queue {
    const failures = new Queue(this, `${name}Failures`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge,
      onFailure: new SqsDestination(failures),
    });
    return failures;
  }
}
