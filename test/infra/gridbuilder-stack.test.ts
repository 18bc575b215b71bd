import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GridBuilderStackProps } from '../../infra/lib/gridbuilder-stack.js';
import {
  createStubPage,
  logicalIdIn,
  type Resource,
  type Resources,
  synthesize,
} from './stack-template.js';

// Assertions on the synthesized CloudFormation template: the API, its functions and
// storage. The web page's hosting has its own file, infra-web-hosting.test.ts.

let page: ReturnType<typeof createStubPage>;
const synth = (props: GridBuilderStackProps = {}): Template =>
  synthesize({ webRoot: page.root, ...props }).template;

let template: Template;
let resources: Resources;
beforeAll(() => {
  page = createStubPage();
  template = synth();
  resources = template.toJSON().Resources as Resources;
});
afterAll(() => page.remove());

const logicalId = (prefix: string): string => logicalIdIn(resources, prefix);

/** The properties of the resource whose logical id starts with `prefix`. */
const propertiesOf = (prefix: string): Record<string, unknown> =>
  (resources[logicalId(prefix)] as Resource).Properties;

const statementsOfRole = (rolePrefix: string) => {
  const role = logicalId(rolePrefix);
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === role),
    )
    .flatMap(
      (r) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
};

const actionsOf = (statements: Record<string, unknown>[]) =>
  statements.flatMap((s) => [s.Action].flat() as string[]).sort();

describe('the table', () => {
  it("has the lab's key schema, on-demand billing and point-in-time recovery", () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'uniqueGridId', KeyType: 'HASH' },
        { AttributeName: 's3Key', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'uniqueGridId', AttributeType: 'S' },
        { AttributeName: 's3Key', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('expires the markers of confirmed two-step uploads by their expiresAt attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is kept on destroy unless destroyData is set', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    synth({ destroyData: true }).hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
    });
  });

  it('takes the lab name GridBuilder when asked', () => {
    synth({ tableName: 'GridBuilder' }).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'GridBuilder',
    });
  });
});

describe('the buckets', () => {
  it('block public access, encrypt with S3-managed keys and are owned by the bucket owner', () => {
    // Source, destination and the web page's.
    template.resourceCountIs('AWS::S3::Bucket', 3);
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    }
  });

  it('refuse every request that is not over TLS', () => {
    for (const bucket of ['SourceBucket', 'DestinationBucket', 'WebPageBucket']) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(`${bucket}`) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('expire unconfirmed uploads and old built grids, and abort incomplete multipart uploads', () => {
    const source = propertiesOf('SourceBucket');
    expect((source.LifecycleConfiguration as { Rules: unknown[] }).Rules).toHaveLength(2);
    expect((source.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        expect.objectContaining({ Prefix: '_uploads/', ExpirationInDays: 1, Status: 'Enabled' }),
      ]),
    );
    const destination = propertiesOf('DestinationBucket');
    expect((destination.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' }),
      ]),
    );
  });

  it('let browsers PUT two-step uploads (with their Content-Type) and GET sources, and GET built grids', () => {
    expect(propertiesOf('SourceBucket').CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['PUT', 'GET'],
          AllowedOrigins: ['*'],
          AllowedHeaders: ['content-type'],
          MaxAge: 3000,
        },
      ],
    });
    expect(propertiesOf('DestinationBucket').CorsConfiguration).toEqual({
      CorsRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'], MaxAge: 3000 }],
    });
  });

  it('take the CORS origins given (-c corsOrigins), and so does the API', () => {
    const origins = ['https://d111111abcdef8.cloudfront.net', 'https://grids.example.com'];
    const narrowed = synth({ corsOrigins: origins });
    const json = narrowed.toJSON().Resources as Resources;
    for (const bucket of ['SourceBucket', 'DestinationBucket']) {
      const cors = (json[logicalIdIn(json, bucket)] as Resource).Properties.CorsConfiguration as {
        CorsRules: { AllowedOrigins: string[] }[];
      };
      expect(cors.CorsRules.map((rule) => rule.AllowedOrigins)).toEqual([origins]);
    }
    narrowed.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: origins }),
    });
  });
});

/** GridBuilder's functions: all but the one CDK adds to copy the web page into its bucket. */
const appFunctions = (stack: Template) =>
  Object.entries(stack.findResources('AWS::Lambda::Function'))
    .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
    .map(([, r]) => r.Properties as Record<string, unknown>);

describe('the Lambda functions', () => {
  const functions = () => appFunctions(template);

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
          SOURCE_BUCKET: { Ref: logicalId('SourceBucket') },
          DESTINATION_BUCKET: { Ref: logicalId('DestinationBucket') },
          TABLE_NAME: { Ref: logicalId('ImagesTable') },
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
    template.resourceCountIs('AWS::Logs::LogGroup', 4);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('run x86_64 when asked (-c cpu=x64)', () => {
    const x64 = appFunctions(synth({ cpu: 'x64' }));
    expect(x64).toHaveLength(3);
    for (const f of x64) expect(f.Architectures).toEqual(['x86_64']);
  });
});

describe('least-privilege IAM', () => {
  /** Every statement of the stack's IAM policies, with the logical id of the role(s) it is for. */
  const statementsIn = (stack: Template) =>
    Object.values(stack.toJSON().Resources as Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) =>
        (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.map(
          (statement) => ({
            statement,
            roles: (r.Properties.Roles as { Ref: string }[]).map((ref) => ref.Ref),
          }),
        ),
      );

  // BucketDeployment (the web page's copy into its bucket) gets its S3 permissions from
  // CDK's own grants, whose actions end in "*" (s3:GetObject*, s3:List*...). Those are
  // the only wildcards allowed, only for that role, and only on the page's bucket and
  // the CDK assets bucket the page is copied from. Its resources are never "*".
  const DEPLOYMENT_GRANT_WILDCARDS = [
    's3:Abort*',
    's3:DeleteObject*',
    's3:GetBucket*',
    's3:GetObject*',
    's3:List*',
  ];
  const isPageDeploymentRole = (role: string) => role.startsWith('WebDeployRole');

  it('no policy has a wildcard action or a "*" resource, and no role has a managed policy', () => {
    for (const stack of [template, synth({ auth: 'cognito' }), synth({ web: false })]) {
      const statements = statementsIn(stack);
      expect(statements.length).toBeGreaterThan(0);
      for (const { statement, roles } of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const resource of [statement.Resource].flat()) {
          expect(resource).not.toBe('*');
        }
        const wildcards = ([statement.Action].flat() as string[]).filter((a) => a.includes('*'));
        if (wildcards.length === 0) continue;
        expect(roles.every(isPageDeploymentRole), JSON.stringify(statement)).toBe(true);
        expect(DEPLOYMENT_GRANT_WILDCARDS).toEqual(expect.arrayContaining(wildcards));
        for (const resource of [statement.Resource].flat()) {
          expect(JSON.stringify(resource)).toMatch(/WebPageBucket|cdk-hnb659fds-assets-/);
        }
      }
      for (const role of Object.values(stack.toJSON().Resources as Resources).filter(
        (r) => r.Type === 'AWS::IAM::Role',
      )) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    }
  });

  it("the web page's deployment may touch only the page's bucket, the CDK assets and its logs", () => {
    const deployment = statementsIn(template).filter(({ roles }) =>
      roles.some(isPageDeploymentRole),
    );
    expect(deployment.length).toBeGreaterThan(0);
    const text = JSON.stringify(deployment);
    for (const other of ['SourceBucket', 'DestinationBucket', 'ImagesTable', 'HttpApi']) {
      expect(text).not.toContain(other);
    }
    expect(text).not.toContain('cloudfront:'); // no invalidation: it needs Resource "*"
  });

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
    expect(JSON.stringify(puts)).toContain(logicalId('DestinationBucket'));
    expect(JSON.stringify(puts)).not.toContain(logicalId('SourceBucket'));
  });

  it('the grid routes may not write built grids', () => {
    const statements = statementsOfRole('GridsRole');
    const destinationWrites = statements.filter(
      (s) =>
        [s.Action].flat().includes('s3:PutObject') &&
        JSON.stringify(s.Resource).includes(logicalId('DestinationBucket')),
    );
    expect(destinationWrites).toEqual([]);
    expect(actionsOf(statements)).not.toContain('dynamodb:Scan');
  });
});

describe('the HTTP API', () => {
  const routeKeys = (stack: Template) =>
    Object.values(stack.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey as string)
      .sort();

  it("has the lab's two routes, the grid routes and /health, each on its function", () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    expect(routeKeys(template)).toEqual([
      'DELETE /grids/{gridId}',
      'DELETE /grids/{gridId}/images/{imageId}',
      'GET /docs',
      'GET /grids/{gridId}',
      'GET /health',
      'GET /openapi.json',
      'POST /add_image',
      'POST /generate_grid',
      'POST /grids/{gridId}/uploads',
      'POST /grids/{gridId}/uploads/{uploadId}/confirm',
    ]);
    const integrationOf = (routeKey: string) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
        (r) => r.Properties.RouteKey === routeKey,
      )?.Properties.Target;
    expect(JSON.stringify(integrationOf('POST /add_image'))).toContain('AddImageIntegration');
    expect(JSON.stringify(integrationOf('POST /generate_grid'))).toContain(
      'GenerateGridIntegration',
    );
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  it('answers CORS preflights and outputs its URL', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['*'],
        AllowMethods: Match.arrayWith(['POST', 'PUT', 'DELETE']),
      }),
    });
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::GetAtt': [logicalId('HttpApi'), 'ApiEndpoint'] },
    });
  });

  it('is open by default, and behind a Cognito JWT authorizer with -c auth=cognito', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);

    const secured = synth({ auth: 'cognito' });
    secured.resourceCountIs('AWS::Cognito::UserPool', 1);
    secured.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    const routes = Object.values(secured.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties,
    );
    for (const route of routes) {
      const open = ['GET /health', 'GET /docs', 'GET /openapi.json'].includes(route.RouteKey);
      expect(route.AuthorizationType, route.RouteKey).toBe(open ? 'NONE' : 'JWT');
    }
    secured.hasOutput('UserPoolClientId', {});
  });
});
