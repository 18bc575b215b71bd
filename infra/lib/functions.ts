import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, type PolicyStatementProps } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
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
}

/** What one function is: its handler, its size, and the only actions its role allows. */
interface FunctionSpec {
  handler: string;
  memorySize: number;
  timeout: Duration;
  grants: PolicyStatementProps[];
}

/**
 * The three Lambda functions of src/lambda/handlers.ts, one bundle between them. Each
 * has its own role and log group: its role allows only the actions on the resources
 * its routes use.
 */
export class Functions extends Construct {
  readonly addImage: NodejsFunction;
  readonly generateGrid: NodejsFunction;
  readonly grids: NodejsFunction;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { table, source, destination } = props.storage;
    const environment = {
      STORAGE: 'aws',
      SOURCE_BUCKET: source.bucketName,
      DESTINATION_BUCKET: destination.bucketName,
      TABLE_NAME: table.tableName,
      URL_EXPIRES_SECONDS: String(props.urlExpiresSeconds),
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
  }
}
