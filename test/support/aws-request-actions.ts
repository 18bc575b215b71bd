/**
 * What IAM checks for one HTTP request to S3 (path style), DynamoDB, Lambda's Invoke
 * API or Secrets Manager's GetSecretValue: the actions on resources, with the condition keys GridBuilder's roles use. A
 * request these functions do not recognize gives `undefined`, and the policy proxy
 * refuses it: a new kind of call cannot slip through unchecked.
 */
import type { AuthorizationRequest } from './iam-policy.js';
import { TEST_ACCOUNT } from './template-policies.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Query parameters that do not change what an object request does. */
const OBJECT_PARAMETERS = /^(x-id|x-amz-[a-z0-9-]+|response-[a-z-]+)$/i;
/** Those of ListObjectsV2. */
const LIST_PARAMETERS = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'continuation-token',
  'start-after',
  'max-keys',
  'encoding-type',
  'fetch-owner',
]);

const OBJECT_ACTIONS: Record<string, string> = {
  GET: 's3:GetObject',
  HEAD: 's3:GetObject',
  PUT: 's3:PutObject',
  DELETE: 's3:DeleteObject',
};

const header = (request: HttpRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Keys of a DeleteObjects body (`<Delete><Object><Key>...</Key></Object>...`). */
function deleteKeys(xml: string): string[] {
  const unescapeXml = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1] as string));
}

export function s3Actions(request: HttpRequest): AuthorizationRequest[] | undefined {
  const url = new URL(request.url, 'http://s3');
  const [, bucket, ...rest] = url.pathname.split('/');
  if (!bucket) return undefined;
  const key = rest.map(decodeURIComponent).join('/');
  const parameters = [...url.searchParams.keys()];
  const { method } = request;
  if (key) {
    if (!parameters.every((p) => OBJECT_PARAMETERS.test(p))) return undefined;
    // CopyObject reads another object too: not a call of these functions.
    if (header(request, 'x-amz-copy-source')) return undefined;
    const action = OBJECT_ACTIONS[method];
    return action ? [{ action, resource: `arn:aws:s3:::${bucket}/${key}` }] : undefined;
  }
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (method === 'POST' && parameters.every((p) => p === 'delete' || OBJECT_PARAMETERS.test(p))) {
    if (!url.searchParams.has('delete')) return undefined;
    // DeleteObjects is authorized key by key, as s3:DeleteObject.
    return deleteKeys(request.body.toString('utf8')).map((k) => ({
      action: 's3:DeleteObject',
      resource: `${bucketArn}/${k}`,
    }));
  }
  if (method === 'GET' && url.searchParams.get('list-type') === '2') {
    if (!parameters.every((p) => LIST_PARAMETERS.has(p) || OBJECT_PARAMETERS.test(p))) {
      return undefined;
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    return [{ action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': [prefix] } }];
  }
  // HeadBucket needs s3:ListBucket.
  if (method === 'HEAD' && parameters.length === 0) {
    return [{ action: 's3:ListBucket', resource: bucketArn }];
  }
  return undefined;
}

/** The partition key values a DynamoDB request touches, if the request says which. */
type KeyValue = Record<string, Record<string, unknown>> | undefined;

const hashValue = (item: KeyValue, hashKey: string): string | undefined => {
  const value = item?.[hashKey];
  return value && typeof value.S === 'string' ? value.S : undefined;
};

/** The value a Query's key condition gives the hash key (`#k = :v` or `name = :v`). */
function queriedHash(body: Record<string, unknown>, hashKey: string): string | undefined {
  const expression = String(body.KeyConditionExpression ?? '');
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (body.ExpressionAttributeValues ?? {}) as Record<string, Record<string, unknown>>;
  for (const [, name, placeholder] of expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    if ((names[name as string] ?? name) === hashKey) {
      return hashValue({ v: values[placeholder as string] ?? {} }, 'v');
    }
  }
  return undefined;
}

export function dynamoDbActions(
  request: HttpRequest,
  region: string,
  hashKey: string,
): AuthorizationRequest[] | undefined {
  const target = header(request, 'x-amz-target') ?? '';
  const operation = /^DynamoDB_20120810\.(\w+)$/.exec(target)?.[1];
  if (request.method !== 'POST' || !operation) return undefined;
  const body = JSON.parse(request.body.toString('utf8') || '{}') as Record<string, unknown>;
  const table = (name: unknown, index?: unknown) =>
    `arn:aws:dynamodb:${region}:${TEST_ACCOUNT}:table/${String(name)}${index ? `/index/${String(index)}` : ''}`;
  const check = (resource: string, leadingKeys: (string | undefined)[]) =>
    leadingKeys.includes(undefined)
      ? undefined
      : {
          action: `dynamodb:${operation}`,
          resource,
          context: { 'dynamodb:LeadingKeys': leadingKeys as string[] },
        };
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem': {
      const one = check(table(body.TableName), [hashValue(body.Key as KeyValue, hashKey)]);
      return one && [one];
    }
    case 'PutItem': {
      const one = check(table(body.TableName), [hashValue(body.Item as KeyValue, hashKey)]);
      return one && [one];
    }
    case 'Query': {
      const one = check(table(body.TableName, body.IndexName), [queriedHash(body, hashKey)]);
      return one && [one];
    }
    case 'BatchWriteItem': {
      const requests = Object.entries(
        body.RequestItems as Record<
          string,
          { PutRequest?: { Item: KeyValue }; DeleteRequest?: { Key: KeyValue } }[]
        >,
      ).map(([name, writes]) =>
        check(
          table(name),
          writes.map((w) => hashValue(w.PutRequest?.Item ?? w.DeleteRequest?.Key, hashKey)),
        ),
      );
      return requests.every((r) => r !== undefined)
        ? (requests as AuthorizationRequest[])
        : undefined;
    }
    default:
      return undefined;
  }
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export function lambdaActions(
  request: HttpRequest,
  region: string,
): AuthorizationRequest[] | undefined {
  const name = INVOKE_PATH.exec(new URL(request.url, 'http://lambda').pathname)?.[1];
  if (request.method !== 'POST' || !name) return undefined;
  const decoded = decodeURIComponent(name);
  const arn = decoded.startsWith('arn:')
    ? decoded
    : `arn:aws:lambda:${region}:${TEST_ACCOUNT}:function:${decoded}`;
  return [{ action: 'lambda:InvokeFunction', resource: arn }];
}

/** GetSecretValue by ARN, as the API functions read their key: the one call they make. */
export function secretsManagerActions(request: HttpRequest): AuthorizationRequest[] | undefined {
  if (request.method !== 'POST') return undefined;
  if (header(request, 'x-amz-target') !== 'secretsmanager.GetSecretValue') return undefined;
  const { SecretId: id } = JSON.parse(request.body.toString('utf8') || '{}') as {
    SecretId?: unknown;
  };
  if (typeof id !== 'string' || !id.startsWith('arn:')) return undefined;
  return [{ action: 'secretsmanager:GetSecretValue', resource: id }];
}
