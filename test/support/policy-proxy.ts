/**
 * A proxy in front of a protocol server (s3rver, dynalite, the Lambda Invoke and
 * Secrets Manager stand-ins) that lets through only what one function's IAM statements
 * allow, and refuses the rest as AWS does: S3 with a 403 AccessDenied XML error,
 * DynamoDB and Secrets Manager with a 400 AccessDeniedException, Lambda with a 403
 * AccessDeniedException. A request it does
 * not recognize is refused too. Like S3, a GET or HEAD of a missing object answers 403
 * rather than 404 when the role may not list the bucket.
 *
 * `statements` may be replaced while it runs (a test narrowing a role), and `fault` set
 * to fail requests the role allows (a test of a failure path).
 */
import { randomUUID } from 'node:crypto';
import {
  dynamoDbActions,
  type HttpRequest,
  lambdaActions,
  s3Actions,
  secretsManagerActions,
} from './aws-request-actions.js';
import {
  type ProxiedResponse,
  type ProxyHooks,
  type RunningProxy,
  startProxy,
} from './http-proxy.js';
import { type AuthorizationRequest, evaluate, grantsUsedBy, type Statement } from './iam-policy.js';

export type Service = 's3' | 'dynamodb' | 'lambda' | 'secretsmanager';

export interface PolicyProxyOptions {
  service: Service;
  /** The protocol server's endpoint. */
  target: string;
  /** The function's statements (test/support/template-policies.ts). */
  statements: readonly Statement[];
  /** Who is refused, in the error messages: the function's name. */
  principal: string;
  region: string;
  /** The table's hash key, for dynamodb:LeadingKeys. */
  hashKey?: string;
}

export interface Refusal {
  /** `unknown request` when the harness could not tell what was asked. */
  action: string;
  resource: string;
}

export interface RunningPolicyProxy extends RunningProxy {
  statements: readonly Statement[];
  /** Answers a request that passed the check in the server's stead, when it returns one. */
  fault: ProxyHooks['answer'];
  /** What was refused so far. */
  readonly refused: Refusal[];
  /** The grants (test/support/iam-policy.ts grantsOf) that allowed a request so far. */
  readonly used: Set<string>;
}

function actionsOf(request: HttpRequest, options: PolicyProxyOptions) {
  switch (options.service) {
    case 's3':
      return s3Actions(request);
    case 'dynamodb':
      return dynamoDbActions(request, options.region, options.hashKey ?? '');
    case 'lambda':
      return lambdaActions(request, options.region);
    case 'secretsmanager':
      return secretsManagerActions(request);
  }
}

function refusal(service: Service, method: string, message: string): ProxiedResponse {
  const requestId = randomUUID();
  const utf8 = (text: string) => Buffer.from(text, 'utf8');
  const escapeXml = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  switch (service) {
    case 's3':
      return {
        status: 403,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body:
          method === 'HEAD'
            ? Buffer.alloc(0)
            : utf8(
                `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
              ),
      };
    case 'dynamodb':
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
        body: utf8(
          JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }),
        ),
      };
    case 'secretsmanager':
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: utf8(JSON.stringify({ __type: 'AccessDeniedException', Message: message })),
      };
    case 'lambda':
      return {
        status: 403,
        headers: {
          'content-type': 'application/json',
          'x-amzn-errortype': 'AccessDeniedException',
          'x-amzn-requestid': requestId,
        },
        body: utf8(JSON.stringify({ Message: message })),
      };
  }
}

export async function startPolicyProxy(options: PolicyProxyOptions): Promise<RunningPolicyProxy> {
  const refused: Refusal[] = [];
  const used = new Set<string>();
  const user = `arn:aws:sts::123456789012:assumed-role/${options.principal}Role/${options.principal}`;
  const allowed = (check: AuthorizationRequest) => {
    for (const grant of grantsUsedBy(proxy.statements, check)) used.add(grant);
    return evaluate(proxy.statements, check) === 'allowed';
  };
  const refuse = (request: HttpRequest, { action, resource }: Refusal) => {
    refused.push({ action, resource });
    return refusal(
      options.service,
      request.method,
      action === 'unknown request'
        ? `The least-privilege harness does not know ${request.method} ${request.url}: refused`
        : `User: ${user} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    );
  };

  const running = await startProxy(options.target, {
    async answer(request) {
      const checks = actionsOf(request, options);
      if (!checks) {
        return refuse(request, { action: 'unknown request', resource: request.url });
      }
      const denied = checks.find((check) => !allowed(check));
      if (denied) return refuse(request, denied);
      return proxy.fault?.(request);
    },
    async response(response, request) {
      const missingObject =
        options.service === 's3' &&
        response.status === 404 &&
        ['GET', 'HEAD'].includes(request.method);
      if (missingObject) {
        const bucket = new URL(request.url, 'http://s3').pathname.split('/')[1];
        const list = { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` };
        if (!allowed(list)) return refuse(request, list);
      }
      return response;
    },
  });
  const proxy: RunningPolicyProxy = Object.assign(running, {
    statements: options.statements,
    fault: undefined,
    refused,
    used,
  });
  return proxy;
}
