import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { statementsIn, useStack } from './stack-template.js';

// infra/lib/functions.ts: the three Lambda functions, their sizes and their roles.

const stack = useStack();

/** GridBuilder's functions: all but the one CDK adds to copy the web page into its bucket. */
const appFunctions = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
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

  it('are three, on Node.js 22, arm64, with the handlers of src/lambda/handlers.ts', () => {
    const all = functions();
    expect(all.map((f) => f.Handler).sort()).toEqual([
      'index.addImage',
      'index.generateGrid',
      'index.grids',
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
        }),
      );
    }
  });

  it('are sized for large grids and log to groups with a retention', () => {
    const byHandler = Object.fromEntries(functions().map((f) => [f.Handler, f]));
    expect(byHandler['index.generateGrid']).toMatchObject({ MemorySize: 3008, Timeout: 29 });
    expect(byHandler['index.addImage']).toMatchObject({ MemorySize: 1024 });
    // One per function, and one for the web page's deployment.
    stack.template.resourceCountIs('AWS::Logs::LogGroup', 4);
    stack.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('run x86_64 when asked (-c cpu=x64)', () => {
    const x64 = appFunctions(stack.synth({ cpu: 'x64' }).template);
    expect(x64).toHaveLength(3);
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
