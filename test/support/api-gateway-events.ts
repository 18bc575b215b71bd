/**
 * API Gateway proxy events shaped like the ones Lambda really receives (fields and
 * casing as in AWS's documented examples), for invoking handlers in tests.
 */
import { randomUUID } from 'node:crypto';

export interface EventRequest {
  method: string;
  path: string;
  /** Undefined: no query string at all (API Gateway then omits the parameters). */
  query?: Record<string, string>;
  /** Binary bodies are sent base64 encoded, as API Gateway does. */
  body?: Buffer;
  headers?: Record<string, string>;
}

const API_ID = 'a1b2c3d4e5';
const DOMAIN = `${API_ID}.execute-api.eu-west-1.amazonaws.com`;

const baseHeaders = (request: EventRequest): Record<string, string> => ({
  accept: '*/*',
  host: DOMAIN,
  'user-agent': 'curl/8.14.1',
  'x-amzn-trace-id': `Root=1-${Date.now().toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-port': '443',
  'x-forwarded-proto': 'https',
  ...(request.body
    ? {
        'content-length': String(request.body.length),
        'content-type': 'application/x-www-form-urlencoded',
      }
    : {}),
  ...request.headers,
});

/** HTTP API, payload format 2.0 (what the CDK stack deploys). */
export function httpApiEvent(
  request: EventRequest,
  routeKey = `${request.method} ${request.path}`,
) {
  const now = new Date();
  const rawQueryString = request.query ? new URLSearchParams(request.query).toString() : '';
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString,
    headers: baseHeaders(request),
    ...(request.query ? { queryStringParameters: request.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: API_ID,
      domainName: DOMAIN,
      domainPrefix: API_ID,
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.14.1',
      },
      requestId: randomUUID().slice(0, 16),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: request.body ? request.body.toString('base64') : null,
    isBase64Encoded: request.body !== undefined,
  };
}

/** REST API, payload format 1.0 (Lambda proxy integration). */
export function restApiEvent(request: EventRequest, resource = request.path) {
  const headers = baseHeaders(request);
  const now = new Date();
  return {
    version: '1.0',
    resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: request.query
      ? Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: API_ID,
      domainName: DOMAIN,
      domainPrefix: API_ID,
      extendedRequestId: randomUUID().slice(0, 16),
      httpMethod: request.method,
      identity: { sourceIp: '203.0.113.7', userAgent: 'curl/8.14.1' },
      path: `/prod${request.path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'abc123',
      resourcePath: resource,
      stage: 'prod',
    },
    body: request.body ? request.body.toString('base64') : null,
    isBase64Encoded: request.body !== undefined,
  };
}

/** The context object Lambda passes next to the event, `remainingMs` before the function times out. */
export function lambdaContext(functionName = 'GridBuilder-AddImage', remainingMs = 30_000) {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/27/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A Lambda handler as a test calls it: the event and context types are the handler's own. */
export type LambdaHandler = (event: never, context: never) => Promise<unknown>;

/** Invokes an API handler as Lambda does: the event and a context named after the function. */
export const invokeApi = async (
  handler: LambdaHandler,
  event: object,
  functionName?: string,
  remainingMs?: number,
) =>
  (await handler(event as never, lambdaContext(functionName, remainingMs) as never)) as ProxyResult;

/** What a proxy integration hands back to API Gateway. */
export interface ProxyResult {
  statusCode: number;
  headers?: Record<string, string>;
  /** Payload 1.0 answers may carry their headers here instead. */
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

/** A response header, wherever the payload format put it. */
export const headerOf = (result: ProxyResult, name: string): string | undefined =>
  result.headers?.[name] ?? result.multiValueHeaders?.[name]?.join(', ');

export const jsonOf = (result: ProxyResult) => {
  expectJson(result);
  return JSON.parse(result.body);
};

function expectJson(result: ProxyResult) {
  const type = headerOf(result, 'content-type') ?? '';
  if (!type.startsWith('application/json') || result.isBase64Encoded) {
    throw new Error(`expected a JSON text body, got ${type} (base64: ${result.isBase64Encoded})`);
  }
}
