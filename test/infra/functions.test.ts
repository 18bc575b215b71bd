import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  functionIdIn,
  type Resource,
  resolveForReading,
  statementsIn,
  useStack,
} from './stack-template.js';

// infra/lib/functions.ts: the four Lambda functions, their sizes and their roles, and
// the renditions function's asynchronous invocation (retries, dead-letter queue).

const stack = useStack();

/**
 * GridBuilder's functions: all but those CDK adds to copy the web page into its bucket
 * and to write the source bucket's notification configuration.
 */
const appFunctions = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([id]) => !/^(CustomCDKBucketDeployment|BucketNotificationsHandler)/.test(id))
    .map(([, r]) => r.Properties as Record<string, unknown>);

/** The statements of the role whose logical id starts with `rolePrefix`. */
const statementsOfRole = (rolePrefix: string) => {
  const role = stack.logicalId(rolePrefix);
  return statementsIn(stack.template)
    .filter(({ roles }) => roles.includes(role))
    .map(({ statement }) => statement);
};

const actionsOf = (statements: Record<string, unknown>[]) =>
  statements.flatMap((s) => [s.Action].flat() as string[]).sort();

describe('the Lambda functions', () => {
  const functions = () => appFunctions(stack.template);

  it('are four, on Node.js 22, arm64, with the handlers of src/lambda/handlers.ts', () => {
    const all = functions();
    expect(all.map((f) => f.Handler).sort()).toEqual([
      'index.addImage',
      'index.generateGrid',
      'index.grids',
      'index.renditions',
    ]);
    for (const f of all) {
      expect(f.Runtime).toBe('nodejs22.x');
      expect(f.Architectures).toEqual(['arm64']);
    }
  });

  it('get the buckets and the table through their environment', () => {
    for (const f of functions()) {
      expect((f.Environment as { Variables: Record<string, unknown> }).Variables).toEqual(
        expect.objectContaining({
          STORAGE: 'aws',
          SOURCE_BUCKET: { Ref: stack.logicalId('SourceBucket') },
          DESTINATION_BUCKET: { Ref: stack.logicalId('DestinationBucket') },
          TABLE_NAME: { Ref: stack.logicalId('ImagesTable') },
          URL_EXPIRES_SECONDS: '300',
          RENDITION_SIZES: '256,640',
        }),
      );
    }
  });

  it('are sized for large grids and log to groups with a retention', () => {
    const byHandler = Object.fromEntries(functions().map((f) => [f.Handler, f]));
    expect(byHandler['index.generateGrid']).toMatchObject({ MemorySize: 3008, Timeout: 29 });
    expect(byHandler['index.addImage']).toMatchObject({ MemorySize: 1024 });
    // One full vCPU for the one libvips thread that decodes an image of up to 100 MP.
    expect(byHandler['index.renditions']).toMatchObject({ MemorySize: 1769, Timeout: 60 });
    // One per function, one for the web page's deployment and one for the handler that
    // writes the source bucket's notifications.
    stack.template.resourceCountIs('AWS::Logs::LogGroup', 6);
    stack.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('run x86_64 when asked (-c cpu=x64)', () => {
    const x64 = appFunctions(stack.synth({ cpu: 'x64' }).template);
    expect(x64).toHaveLength(4);
    for (const f of x64) expect(f.Architectures).toEqual(['x86_64']);
  });
});

describe("each function's role", () => {
  it('add_image may only put and take back source objects and put items', () => {
    expect(actionsOf(statementsOfRole('AddImageRole'))).toEqual([
      'dynamodb:PutItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:DeleteObject',
      's3:PutObject',
    ]);
  });

  it("generate_grid may read sources, read and write built grids, and query the table and read a grid's order", () => {
    const statements = statementsOfRole('GenerateGridRole');
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    // Writing is only allowed into the destination bucket.
    const puts = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(puts)).toContain(stack.logicalId('DestinationBucket'));
    expect(JSON.stringify(puts)).not.toContain(stack.logicalId('SourceBucket'));
  });

  it('the grid routes may not write built grids', () => {
    const statements = statementsOfRole('GridsRole');
    const destinationWrites = statements.filter(
      (s) =>
        [s.Action].flat().includes('s3:PutObject') &&
        JSON.stringify(s.Resource).includes(stack.logicalId('DestinationBucket')),
    );
    expect(destinationWrites).toEqual([]);
    expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
  });
});

describe('the renditions function', () => {
  const queueId = () => stack.logicalId('RenditionsFailures');
  const readable = (statement: Record<string, unknown>) => ({
    actions: [statement.Action].flat(),
    resources: [statement.Resource].flat().map((r) => resolveForReading(r)),
  });

  it('may only query and update the table, read sources, write and delete renditions, and report failures', () => {
    const source = `<${stack.logicalId('SourceBucket')}.Arn>`;
    const table = `<${stack.logicalId('ImagesTable')}.Arn>`;
    const queue = `<${queueId()}.Arn>`;
    const logs = `<${stack.logicalId('RenditionsLogs')}.Arn>`;
    expect(statementsOfRole('RenditionsRole').map(readable)).toEqual([
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logs] },
      { actions: ['dynamodb:Query', 'dynamodb:UpdateItem'], resources: [table] },
      { actions: ['s3:GetObject'], resources: [`${source}/*/*`] },
      { actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${source}/_renditions/*`] },
      {
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [queue],
      },
    ]);
  });

  it('is retried twice, keeps throttled events up to 6 hours, then sends them to its dead-letter queue', () => {
    stack.template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    stack.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionIdIn(stack.resources, 'index.renditions') },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } },
      },
    });
  });

  it('has a dead-letter queue that is encrypted, kept 14 days and reached over TLS only', () => {
    const queue = stack.resources[queueId()] as Resource;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    stack.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId() }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: { 'Fn::GetAtt': [queueId(), 'Arn'] },
          },
        ],
      },
    });
  });

  it('and the others get the rendition sizes given', () => {
    for (const f of appFunctions(stack.synth({ renditionSizes: [128, 1024] }).template)) {
      expect((f.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        RENDITION_SIZES: '128,1024',
      });
    }
  });
});
