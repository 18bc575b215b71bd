import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  functionIdIn,
  type Resource,
  resolveForReading,
  statementsIn,
  useStack,
} from './stack-template.js';

// infra/lib/functions.ts: the five Lambda functions, their sizes and their roles, and
// the asynchronous invocations of the renditions and build workers (retries,
// dead-letter queues).

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

/** DynamoDB's condition that every item written is a build record (hash key `_builds/GRID`). */
const BUILD_ITEMS_ONLY = {
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['_builds/*'] },
};

/** DynamoDB's condition that every item touched is an image record (hash key a grid id). */
const IMAGE_ITEMS_ONLY = {
  'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['_*'] },
};

const actionsOf = (statements: Record<string, unknown>[]) =>
  statements.flatMap((s) => [s.Action].flat() as string[]).sort();

const readable = (statement: Record<string, unknown>) => ({
  actions: [statement.Action].flat(),
  resources: [statement.Resource].flat().map((r) => resolveForReading(r)),
  ...(statement.Condition ? { condition: statement.Condition } : {}),
});

describe('the Lambda functions', () => {
  const functions = () => appFunctions(stack.template);

  it('are five, on Node.js 22, arm64, with the handlers of src/lambda/handlers.ts', () => {
    const all = functions();
    expect(all.map((f) => f.Handler).sort()).toEqual([
      'index.addImage',
      'index.buildWorker',
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

  it('draw labels with the fonts their bundle carries: Lambda has none', () => {
    for (const f of functions()) {
      expect((f.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        FONTCONFIG_FILE: '/var/task/fonts/fonts.conf',
      });
    }
  });

  it('are sized for large grids and log to groups with a retention', () => {
    const byHandler = Object.fromEntries(functions().map((f) => [f.Handler, f]));
    expect(byHandler['index.generateGrid']).toMatchObject({ MemorySize: 3008, Timeout: 29 });
    expect(byHandler['index.addImage']).toMatchObject({ MemorySize: 1024 });
    // One full vCPU for the one libvips thread that decodes an image of up to 100 MP.
    expect(byHandler['index.renditions']).toMatchObject({ MemorySize: 1769, Timeout: 60 });
    // Lambda's longest timeout for builds past API Gateway's 30 s, as much CPU as generate_grid.
    expect(byHandler['index.buildWorker']).toMatchObject({ MemorySize: 3008, Timeout: 900 });
    // One per function, one for the web page's deployment, one for the handler that
    // writes the source bucket's notifications, and the API's access log.
    stack.template.resourceCountIs('AWS::Logs::LogGroup', 8);
    stack.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('run x86_64 when asked (-c cpu=x64)', () => {
    const x64 = appFunctions(stack.synth({ cpu: 'x64' }).template);
    expect(x64).toHaveLength(5);
    for (const f of x64) expect(f.Architectures).toEqual(['x86_64']);
  });
});

describe('presigned links (urlExpiresSeconds)', () => {
  const urlExpiresOf = (template: Template) =>
    appFunctions(template).map(
      (f) =>
        (f.Environment as { Variables: Record<string, unknown> }).Variables.URL_EXPIRES_SECONDS,
    );

  it('last what the stack is told, up to the 12 hours the functions accept', () => {
    expect(new Set(urlExpiresOf(stack.synth({ urlExpiresSeconds: 43_200 }).template))).toEqual(
      new Set(['43200']),
    );
  });

  // src/config.ts refuses more at every cold start: such a stack would deploy, and then
  // fail every request.
  it('are refused at synth beyond 43,200 seconds, or when not a whole number of seconds', () => {
    expect(() => stack.build({ urlExpiresSeconds: 43_201 })).toThrow(
      /urlExpiresSeconds=43201: use a whole number of seconds from 1 to 43200 \(12 hours\): .*temporary credentials/,
    );
    for (const value of [0, 1.5, Number.NaN]) {
      expect(() => stack.build({ urlExpiresSeconds: value }), String(value)).toThrow(
        /urlExpiresSeconds=.*: use a whole number of seconds from 1 to 43200/,
      );
    }
  });
});

describe("each function's role", () => {
  it('add_image may only put and take back source objects and image records', () => {
    const source = `<${stack.logicalId('SourceBucket')}.Arn>`;
    const table = `<${stack.logicalId('ImagesTable')}.Arn>`;
    const logs = `<${stack.logicalId('AddImageLogs')}.Arn>`;
    const secret = `<${stack.logicalId('ApiKeySecret')}>`;
    expect(statementsOfRole('AddImageRole').map(readable)).toEqual([
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logs] },
      { actions: ['secretsmanager:GetSecretValue'], resources: [secret] },
      { actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${source}/*`] },
      // The record and its rollback (one DeleteItem), on image records only: no claim,
      // order or build record.
      {
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [table],
        condition: IMAGE_ITEMS_ONLY,
      },
    ]);
  });

  it("generate_grid may read sources, read and write built grids, query the table, read a grid's order, record builds and start the build worker", () => {
    const statements = statementsOfRole('GenerateGridRole');
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'secretsmanager:GetSecretValue',
    ]);
    // Writing is only allowed into the destination bucket.
    const puts = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(puts)).toContain(stack.logicalId('DestinationBucket'));
    expect(JSON.stringify(puts)).not.toContain(stack.logicalId('SourceBucket'));
    // Items it writes are build records only, and the one function it invokes is the worker.
    expect(statements.filter((s) => [s.Action].flat().includes('dynamodb:PutItem'))).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': [stack.logicalId('ImagesTable'), 'Arn'] },
        Condition: BUILD_ITEMS_ONLY,
      },
    ]);
    expect(statements.filter((s) => s.Action === 'lambda:InvokeFunction')).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [functionIdIn(stack.resources, 'index.buildWorker'), 'Arn'] },
      },
    ]);
  });

  it('generate_grid alone is told the build worker, by name', () => {
    for (const f of appFunctions(stack.template)) {
      const variables = (f.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.BUILD_FUNCTION_NAME).toEqual(
        f.Handler === 'index.generateGrid'
          ? { Ref: functionIdIn(stack.resources, 'index.buildWorker') }
          : undefined,
      );
    }
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

  it("the grid routes may read built grids, which a finished build's status links to", () => {
    const reads = statementsOfRole('GridsRole').filter(
      (s) =>
        [s.Action].flat().includes('s3:GetObject') &&
        JSON.stringify(s.Resource).includes(stack.logicalId('DestinationBucket')),
    );
    expect(reads).toHaveLength(1);
  });
});

describe('the API key (the default, -c auth=apikey)', () => {
  const API_FUNCTIONS = ['index.addImage', 'index.generateGrid', 'index.grids'];
  const secretId = () => stack.logicalId('ApiKeySecret');
  const variablesOf = (f: Record<string, unknown>) =>
    (f.Environment as { Variables: Record<string, unknown> }).Variables;

  it('is a secret of 48 letters and digits, generated at deploy', () => {
    const secret = stack.resources[secretId()] as Resource;
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    // Alphanumerics only: a valid API_KEYS key (visible ASCII, no space, no comma), and
    // nothing a shell or a header could mangle when it is copied from the output.
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 48,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
  });

  it('is named to the three API functions alone, by its ARN', () => {
    for (const f of appFunctions(stack.template)) {
      expect(variablesOf(f).API_KEYS_SECRET_ARN, String(f.Handler)).toEqual(
        API_FUNCTIONS.includes(String(f.Handler)) ? { Ref: secretId() } : undefined,
      );
    }
  });

  it('may be read by the roles of the three API functions, and no other secret by any role', () => {
    const reads = statementsIn(stack.template).filter(({ statement }) =>
      JSON.stringify(statement.Action).includes('secretsmanager:'),
    );
    const roleOf = (handler: string) => {
      const fn = stack.resources[functionIdIn(stack.resources, handler)] as Resource;
      return (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    };
    expect(reads.flatMap(({ roles }) => roles).sort()).toEqual(API_FUNCTIONS.map(roleOf).sort());
    for (const { statement } of reads) {
      expect(statement).toEqual({
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: secretId() },
      });
    }
  });

  it('is not there with -c auth=none or -c auth=cognito', () => {
    for (const auth of ['none', 'cognito'] as const) {
      const { template } = stack.synth({ auth });
      for (const f of appFunctions(template)) {
        expect(variablesOf(f).API_KEYS_SECRET_ARN).toBeUndefined();
      }
      expect(JSON.stringify(statementsIn(template))).not.toContain('secretsmanager:');
    }
  });
});

describe('reserved concurrency', () => {
  const reserved = (template: Template) =>
    Object.fromEntries(
      appFunctions(template).map((f) => [f.Handler, f.ReservedConcurrentExecutions]),
    );

  it('caps the build functions at 10 each by default, and leaves the others alone', () => {
    expect(reserved(stack.template)).toEqual({
      'index.addImage': undefined,
      'index.generateGrid': 10,
      'index.buildWorker': 10,
      'index.grids': undefined,
      'index.renditions': undefined,
    });
  });

  it('takes -c buildConcurrency=N, and none at all with 0', () => {
    expect(reserved(stack.synth({ buildConcurrency: 3 }).template)).toMatchObject({
      'index.generateGrid': 3,
      'index.buildWorker': 3,
    });
    for (const value of Object.values(reserved(stack.synth({ buildConcurrency: 0 }).template))) {
      expect(value).toBeUndefined();
    }
  });
});

describe('the renditions function', () => {
  it('may only query and update the table, read sources, write and delete renditions, and report failures', () => {
    const source = `<${stack.logicalId('SourceBucket')}.Arn>`;
    const table = `<${stack.logicalId('ImagesTable')}.Arn>`;
    const queue = `<${stack.logicalId('RenditionsFailures')}.Arn>`;
    const logs = `<${stack.logicalId('RenditionsLogs')}.Arn>`;
    expect(statementsOfRole('RenditionsRole').map(readable)).toEqual([
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logs] },
      {
        actions: ['dynamodb:Query', 'dynamodb:UpdateItem'],
        resources: [table],
        condition: IMAGE_ITEMS_ONLY,
      },
      { actions: ['s3:GetObject'], resources: [`${source}/*/*`] },
      { actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${source}/_renditions/*`] },
      {
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [queue],
      },
    ]);
  });
  it('and the others get the rendition sizes given', () => {
    for (const f of appFunctions(stack.synth({ renditionSizes: [128, 1024] }).template)) {
      expect((f.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        RENDITION_SIZES: '128,1024',
      });
    }
  });
});

describe('the build worker function', () => {
  it('may only read the grid, record builds, read sources and renditions, write built grids, and report failures', () => {
    const source = `<${stack.logicalId('SourceBucket')}.Arn>`;
    const destination = `<${stack.logicalId('DestinationBucket')}.Arn>`;
    const table = `<${stack.logicalId('ImagesTable')}.Arn>`;
    const queue = `<${stack.logicalId('BuildWorkerFailures')}.Arn>`;
    const logs = `<${stack.logicalId('BuildWorkerLogs')}.Arn>`;
    expect(statementsOfRole('BuildWorkerRole').map(readable)).toEqual([
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logs] },
      { actions: ['dynamodb:Query', 'dynamodb:GetItem'], resources: [table] },
      { actions: ['dynamodb:PutItem'], resources: [table], condition: BUILD_ITEMS_ONLY },
      { actions: ['s3:GetObject'], resources: [`${source}/*`] },
      { actions: ['s3:GetObject', 's3:PutObject'], resources: [`${destination}/*`] },
      { actions: ['s3:ListBucket'], resources: [destination] },
      {
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [queue],
      },
    ]);
  });
});

describe.each([
  // A burst of uploads past the account's concurrency waits up to Lambda's maximum.
  { name: 'Renditions', handler: 'index.renditions', maxEventAge: 6 * 3600 },
  // Three runs of 15 minutes and Lambda's waits between them (1 and 2 minutes) fit.
  { name: 'BuildWorker', handler: 'index.buildWorker', maxEventAge: 3600 },
])('the $name function, invoked asynchronously', ({ name, handler, maxEventAge }) => {
  const queueId = () => stack.logicalId(`${name}Failures`);

  it('is retried twice, keeps its events a while, then sends them to its dead-letter queue', () => {
    stack.template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    stack.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionIdIn(stack.resources, handler) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: maxEventAge,
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
});
