import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbActions, type HttpRequest, s3Actions } from '../support/aws-request-actions.js';
import { evaluate, grantsUsedBy, type Statement } from '../support/iam-policy.js';
import { type RunningPolicyProxy, startPolicyProxy } from '../support/policy-proxy.js';
import { functionStatements, s3Name, type TemplateJson } from '../support/template-policies.js';

// The least-privilege harness's own parts (test/lambda/least-privilege.test.ts runs
// the functions through them): IAM's evaluation of statements, what an S3 or DynamoDB
// request asks IAM for, a role's statements read from a template, and the proxy's
// refusals in each service's own error shape.

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/GridBuilder';
const BUILDS_ONLY = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['_builds/*'] } };
const statements: Statement[] = [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::grids/*' },
  { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: TABLE, Condition: BUILDS_ONLY },
  {
    Effect: 'Allow',
    Action: 'dynamodb:DeleteItem',
    Resource: TABLE,
    Condition: { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['_*'] } },
  },
  { Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::grids/locked/*' },
];
const leading = (...keys: string[]) => ({ 'dynamodb:LeadingKeys': keys });

describe('IAM evaluation of identity-based statements', () => {
  it('allows an action on a resource a statement names, wildcards included', () => {
    expect(
      evaluate(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::grids/a/b.png' }),
    ).toBe('allowed');
    // Actions are case-insensitive, resources are not.
    expect(evaluate(statements, { action: 'S3:getobject', resource: 'arn:aws:s3:::grids/a' })).toBe(
      'allowed',
    );
    expect(evaluate(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::Grids/a' })).toBe(
      'implicitly denied',
    );
  });

  it('denies an action no statement names', () => {
    expect(
      evaluate(statements, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::grids/a.png' }),
    ).toBe('implicitly denied');
    expect(evaluate(statements, { action: 'dynamodb:BatchWriteItem', resource: TABLE })).toBe(
      'implicitly denied',
    );
  });

  it('denies a resource outside the statements, and an explicit Deny wins over an Allow', () => {
    // The bucket itself is not one of its objects.
    expect(evaluate(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::grids' })).toBe(
      'implicitly denied',
    );
    expect(
      evaluate(statements, { action: 's3:GetObject', resource: 'arn:aws:s3:::sources/a.png' }),
    ).toBe('implicitly denied');
    expect(
      evaluate(statements, { action: 's3:PutObject', resource: 'arn:aws:s3:::grids/locked/a' }),
    ).toBe('explicitly denied');
  });

  it('holds a request to its conditions: every partition key a request touches must match', () => {
    const request =
      (action: string) =>
      (...keys: string[]) =>
        evaluate(statements, { action, resource: TABLE, context: leading(...keys) });
    const put = request('dynamodb:PutItem');
    expect(put('_builds/g1')).toBe('allowed');
    expect(put('g1')).toBe('implicitly denied');
    expect(put('_builds/g1', 'g1')).toBe('implicitly denied');
    const remove = request('dynamodb:DeleteItem');
    expect(remove('g1')).toBe('allowed');
    expect(remove('_order/g1')).toBe('implicitly denied');
  });

  it('names the grants that allowed a request, and none for a denied one', () => {
    const get = { action: 's3:GetObject', resource: 'arn:aws:s3:::grids/a.png' };
    expect(grantsUsedBy(statements, get)).toEqual(['s3:GetObject on arn:aws:s3:::grids/*']);
    expect(
      grantsUsedBy(statements, { action: 's3:PutObject', resource: 'arn:aws:s3:::grids/locked/a' }),
    ).toEqual([]);
  });

  it('refuses to evaluate a condition it cannot read, rather than pass it', () => {
    const odd: Statement[] = [
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      },
    ];
    expect(() => evaluate(odd, { action: 's3:GetObject', resource: 'arn:aws:s3:::a/b' })).toThrow(
      /IpAddress/,
    );
  });
});

const request = (method: string, url: string, more: Partial<HttpRequest> = {}): HttpRequest => ({
  method,
  url,
  headers: {},
  body: Buffer.alloc(0),
  ...more,
});

describe('what a request asks IAM for', () => {
  it('S3: object reads, writes and deletes by key, presigned or not; listings and HEAD of a bucket as ListBucket', () => {
    expect(s3Actions(request('GET', '/src/g/a%20b.jpg?x-id=GetObject'))).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::src/g/a b.jpg' },
    ]);
    expect(
      s3Actions(
        request(
          'PUT',
          '/src/_uploads/g/1?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD',
        ),
      ),
    ).toEqual([{ action: 's3:PutObject', resource: 'arn:aws:s3:::src/_uploads/g/1' }]);
    expect(s3Actions(request('HEAD', '/dst/g/x.png'))).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::dst/g/x.png' },
    ]);
    expect(
      s3Actions(
        request('POST', '/src?delete', {
          body: Buffer.from(
            '<Delete><Quiet>true</Quiet><Object><Key>g/1.jpg</Key></Object><Object><Key>g/&amp;2.jpg</Key></Object></Delete>',
          ),
        }),
      ),
    ).toEqual([
      { action: 's3:DeleteObject', resource: 'arn:aws:s3:::src/g/1.jpg' },
      { action: 's3:DeleteObject', resource: 'arn:aws:s3:::src/g/&2.jpg' },
    ]);
    expect(s3Actions(request('GET', '/src?list-type=2&prefix=g%2F'))).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::src', context: { 's3:prefix': ['g/'] } },
    ]);
    expect(s3Actions(request('HEAD', '/src'))).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::src' },
    ]);
  });

  it('S3: anything else is unknown (and so refused)', () => {
    expect(s3Actions(request('GET', '/src/g/a.jpg?acl'))).toBeUndefined();
    expect(s3Actions(request('PUT', '/src'))).toBeUndefined();
    expect(
      s3Actions(
        request('PUT', '/src/g/b.jpg', { headers: { 'x-amz-copy-source': '/src/g/a.jpg' } }),
      ),
    ).toBeUndefined();
    expect(s3Actions(request('GET', '/src?location'))).toBeUndefined();
  });

  const dynamo = (operation: string, body: unknown) =>
    dynamoDbActions(
      request('POST', '/', {
        headers: { 'x-amz-target': `DynamoDB_20120810.${operation}` },
        body: Buffer.from(JSON.stringify(body)),
      }),
      'us-east-1',
      'uniqueGridId',
    );

  it('DynamoDB: the action on the table, with the partition keys the request touches', () => {
    expect(
      dynamo('PutItem', {
        TableName: 'GridBuilder',
        Item: { uniqueGridId: { S: 'g' }, s3Key: { S: 'k' } },
      }),
    ).toEqual([{ action: 'dynamodb:PutItem', resource: TABLE, context: leading('g') }]);
    expect(
      dynamo('Query', {
        TableName: 'GridBuilder',
        KeyConditionExpression: '#g = :grid AND begins_with(s3Key, :p)',
        ExpressionAttributeNames: { '#g': 'uniqueGridId' },
        ExpressionAttributeValues: { ':grid': { S: '_builds/g' }, ':p': { S: 'x' } },
      }),
    ).toEqual([{ action: 'dynamodb:Query', resource: TABLE, context: leading('_builds/g') }]);
    expect(
      dynamo('BatchWriteItem', {
        RequestItems: {
          GridBuilder: [
            { DeleteRequest: { Key: { uniqueGridId: { S: 'g' }, s3Key: { S: '1' } } } },
            { PutRequest: { Item: { uniqueGridId: { S: '_order/g' }, s3Key: { S: 'order' } } } },
          ],
        },
      }),
    ).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: TABLE, context: leading('g', '_order/g') },
    ]);
  });

  it('DynamoDB: an operation it does not know, or whose partition key it cannot tell, is unknown', () => {
    expect(dynamo('TransactWriteItems', { TransactItems: [] })).toBeUndefined();
    expect(
      dynamo('Query', { TableName: 'GridBuilder', KeyConditionExpression: 'x = :v' }),
    ).toBeUndefined();
  });
});

describe("a function's statements read from a template", () => {
  const template: TemplateJson = {
    Resources: {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'index.fn', Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } },
      },
      FnRole: { Type: 'AWS::IAM::Role', Properties: {} },
      Bucket: { Type: 'AWS::S3::Bucket' },
      FnPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'FnRole' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/*']] },
              },
              { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { Ref: 'Queue' } },
            ],
          },
        },
      },
      OtherPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'OtherRole' }],
          PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        },
      },
    },
  };

  it("are its role's, with the stack's resources named as the test's, and nothing of other roles", () => {
    expect(functionStatements(template, 'index.fn', { Bucket: s3Name('b1') }, 'us-east-1')).toEqual(
      [
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b1/*'] },
        // What the test does not name matches no request.
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: ['unresolved:Queue'] },
      ],
    );
  });
});

describe('the policy proxy refuses in the service’s own words', () => {
  let s3: RunningPolicyProxy;
  let dynamoDb: RunningPolicyProxy;
  // Nothing listens behind them: a request that got through would fail otherwise.
  beforeAll(async () => {
    const options = { statements: [], principal: 'Test', region: 'us-east-1' };
    s3 = await startPolicyProxy({ ...options, service: 's3', target: 'http://127.0.0.1:9' });
    dynamoDb = await startPolicyProxy({
      ...options,
      service: 'dynamodb',
      target: 'http://127.0.0.1:9',
      hashKey: 'uniqueGridId',
    });
  });
  afterAll(async () => {
    await s3?.stop();
    await dynamoDb?.stop();
  });

  it('S3: 403 AccessDenied XML', async () => {
    const response = await fetch(`${s3.endpoint}/bucket/key.jpg`);
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain(
      'is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bucket/key.jpg',
    );
    expect(s3.refused).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key.jpg' },
    ]);
  });

  it('DynamoDB: 400 AccessDeniedException JSON', async () => {
    const response = await fetch(dynamoDb.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.DeleteItem' },
      body: JSON.stringify({ TableName: 'GridBuilder', Key: { uniqueGridId: { S: 'g' } } }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      message: expect.stringContaining(
        'dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/GridBuilder',
      ),
    });
  });
});
