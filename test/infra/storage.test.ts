import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  functionIdIn,
  logicalIdIn,
  type Resource,
  resolveForReading,
  statementsIn,
  useStack,
} from './stack-template.js';

// infra/lib/storage.ts: the table, the source and destination buckets, and the source
// bucket's event notifications.

const stack = useStack();

/** The properties of the default stack's resource whose logical id starts with `prefix`. */
const propertiesOf = (prefix: string): Record<string, unknown> =>
  (stack.resources[stack.logicalId(prefix)] as Resource).Properties;

describe('the table', () => {
  it("has the lab's key schema, on-demand billing and point-in-time recovery", () => {
    stack.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    stack.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
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
    stack.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is kept on destroy unless destroyData is set', () => {
    stack.template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    stack.synth({ destroyData: true }).template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
    });
  });

  it('takes the lab name GridBuilder when asked', () => {
    stack
      .synth({ tableName: 'GridBuilder' })
      .template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        TableName: 'GridBuilder',
      });
  });
});

describe('the buckets', () => {
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

  it('take the CORS origins given (-c corsOrigins)', () => {
    const origins = ['https://d111111abcdef8.cloudfront.net', 'https://grids.example.com'];
    const json = stack.synth({ corsOrigins: origins }).resources;
    for (const bucket of ['SourceBucket', 'DestinationBucket']) {
      const cors = (json[logicalIdIn(json, bucket)] as Resource).Properties.CorsConfiguration as {
        CorsRules: { AllowedOrigins: string[] }[];
      };
      expect(cors.CorsRules.map((rule) => rule.AllowedOrigins)).toEqual([origins]);
    }
  });
});

describe("the source bucket's notifications", () => {
  it('invoke the renditions function for every object created, unfiltered', () => {
    stack.template.resourceCountIs('Custom::S3BucketNotifications', 1);
    stack.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: stack.logicalId('SourceBucket') },
      Managed: true,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            LambdaFunctionArn: {
              'Fn::GetAtt': [functionIdIn(stack.resources, 'index.renditions'), 'Arn'],
            },
          },
        ],
      },
    });
  });

  it('may invoke it from the source bucket of this account only', () => {
    stack.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [functionIdIn(stack.resources, 'index.renditions'), 'Arn'] },
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::GetAtt': [stack.logicalId('SourceBucket'), 'Arn'] },
    });
  });

  it("are written by CDK's handler under a role that may write them and its own logs only", () => {
    const role = stack.logicalId('SourceNotificationsRole');
    const handler = stack.logicalId('BucketNotificationsHandler');
    const logs = stack.logicalId('SourceNotificationsLogs');
    expect((stack.resources[handler] as Resource).Properties).toMatchObject({
      Role: { 'Fn::GetAtt': [role, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logs } },
    });
    expect((stack.resources[role] as Resource).Properties.ManagedPolicyArns).toBeUndefined();
    const statements = statementsIn(stack.template)
      .filter(({ roles }) => roles.includes(role))
      .map(({ statement }) => [
        statement.Action,
        [statement.Resource].flat().map((r) => resolveForReading(r)),
      ]);
    expect(statements).toEqual(
      expect.arrayContaining([
        [['logs:CreateLogStream', 'logs:PutLogEvents'], [`<${logs}.Arn>`]],
        ['s3:PutBucketNotification', [`<${stack.logicalId('SourceBucket')}.Arn>`]],
      ]),
    );
    expect(statements).toHaveLength(2);
  });
});
