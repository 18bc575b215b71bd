/**
 * GridBuilder's five Lambda functions as the synthesized template defines them, each
 * in its own sandbox process (test/support/lambda-sandbox.ts) with the template's
 * environment for it, and each behind its own policy proxies (S3, DynamoDB, Lambda's
 * Invoke API, Secrets Manager) that allow only what its role's statements in the
 * template allow. The template's buckets, table, build worker and API key secret are
 * the test's: its protocol servers' buckets and table, the sandbox of the build worker
 * behind a Lambda stand-in, and a secret with a key of its own in a Secrets Manager
 * stand-in.
 */

import { randomUUID } from 'node:crypto';
import type { AwsServers } from './aws-servers.js';
import { TEST_CREDENTIALS, TEST_REGION } from './aws-servers.js';
import { grantsOf } from './iam-policy.js';
import { type RunningLambda, startLambdaInvokeServer } from './lambda-invoke-server.js';
import { type LambdaSandbox, startLambdaSandbox } from './lambda-sandbox.js';
import { type RunningPolicyProxy, type Service, startPolicyProxy } from './policy-proxy.js';
import { type RunningSecretsManager, startSecretsManager } from './secrets-manager-server.js';
import {
  functionEnvironment,
  functionId,
  functionName,
  functionStatements,
  hashKeyOf,
  type ResourceName,
  s3Name,
  TEST_ACCOUNT,
  type TemplateJson,
  tableName,
} from './template-policies.js';

export const HANDLERS = ['addImage', 'generateGrid', 'grids', 'buildWorker', 'renditions'] as const;
export type HandlerName = (typeof HANDLERS)[number];

export interface GuardedFunction {
  sandbox: LambdaSandbox;
  proxies: Record<Service, RunningPolicyProxy>;
  /** Runs the function's handler on the event, as Lambda would. */
  invoke(event: unknown): Promise<unknown>;
}

export interface LeastPrivilege {
  functions: Record<HandlerName, GuardedFunction>;
  /** The Lambda stand-in generate_grid invokes the build worker through. */
  lambda: RunningLambda;
  /** The Secrets Manager stand-in the API functions read their key from. */
  secrets: RunningSecretsManager;
  /** The key in the template's API key secret, if it has one (auth 'apikey'). */
  apiKey: string | undefined;
  /**
   * The grants of each function's role on S3, DynamoDB and Lambda that allowed no
   * request so far: more than its code needs, or a path no test has run.
   */
  unusedGrants(): Record<string, string[]>;
  /** Every request refused so far, by function, and forgets them. */
  takeRefusals(): Record<string, string[]>;
  /**
   * Puts the statements of the function's role in `template` (e.g. one narrowed by a
   * test) in force for it, in place of the ones it started with.
   */
  enforce(handler: HandlerName, template: TemplateJson): void;
  stop(): Promise<void>;
}

/** The logical id of the template's one resource of this type whose id starts with `prefix`, if any. */
const findResourceId = (template: TemplateJson, type: string, prefix: string) =>
  Object.keys(template.Resources).find(
    (k) => k.startsWith(prefix) && template.Resources[k]?.Type === type,
  );

function resourceId(template: TemplateJson, type: string, prefix: string): string {
  const id = findResourceId(template, type, prefix);
  if (!id) throw new Error(`no ${type} ${prefix}* in the template`);
  return id;
}

const sandboxName = (handler: HandlerName) =>
  `GridBuilder-${handler[0]?.toUpperCase()}${handler.slice(1)}`;

export async function startLeastPrivilege(
  template: TemplateJson,
  servers: AwsServers,
): Promise<LeastPrivilege> {
  const tableId = resourceId(template, 'AWS::DynamoDB::GlobalTable', 'ImagesTable');
  const names: Record<string, ResourceName> = {
    [resourceId(template, 'AWS::S3::Bucket', 'SourceBucket')]: s3Name(servers.sourceBucket),
    [resourceId(template, 'AWS::S3::Bucket', 'DestinationBucket')]: s3Name(
      servers.destinationBucket,
    ),
    [tableId]: tableName(servers.tableName, TEST_REGION),
    [functionId(template, 'index.buildWorker')]: functionName(
      sandboxName('buildWorker'),
      TEST_REGION,
    ),
  };
  const secretId = findResourceId(template, 'AWS::SecretsManager::Secret', 'ApiKeySecret');
  const apiKey = secretId && randomUUID().replace(/-/g, '');
  const secretArn = `arn:aws:secretsmanager:${TEST_REGION}:${TEST_ACCOUNT}:secret:ApiKeySecret-Ab12Cd`;
  if (secretId) names[secretId] = { ref: secretArn };
  const secrets = await startSecretsManager(apiKey ? { [secretArn]: apiKey } : {});
  const hashKey = hashKeyOf(template, tableId);
  const statementsOf = (handler: HandlerName, of: TemplateJson) =>
    functionStatements(of, `index.${handler}`, names, TEST_REGION);

  const functions = {} as Record<HandlerName, GuardedFunction>;
  const lambda = await startLambdaInvokeServer({
    [sandboxName('buildWorker')]: (event) => functions.buildWorker.invoke(event) as Promise<never>,
  });
  const targets: Record<Service, string> = {
    s3: servers.s3.endpoint,
    dynamodb: servers.dynamoDb.endpoint,
    lambda: lambda.endpoint,
    secretsmanager: secrets.endpoint,
  };

  await Promise.all(
    HANDLERS.map(async (handler) => {
      const statements = statementsOf(handler, template);
      const [s3, dynamodb, invoke, secretsmanager] = await Promise.all(
        (['s3', 'dynamodb', 'lambda', 'secretsmanager'] as const).map((service) =>
          startPolicyProxy({
            service,
            target: targets[service],
            statements,
            principal: sandboxName(handler),
            region: TEST_REGION,
            hashKey,
          }),
        ),
      );
      const proxies = { s3, dynamodb, lambda: invoke, secretsmanager } as Record<
        Service,
        RunningPolicyProxy
      >;
      const variables = functionEnvironment(template, `index.${handler}`);
      const resolved = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [name, resolveName(value, names)]),
      );
      const sandbox = await startLambdaSandbox(sandboxName(handler), {
        ...resolved,
        LOG_LEVEL: 'silent',
        S3_FORCE_PATH_STYLE: 'true',
        AWS_REGION: TEST_REGION,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_S3: proxies.s3.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: proxies.dynamodb.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: proxies.lambda.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: proxies.secretsmanager.endpoint,
      });
      functions[handler] = {
        sandbox,
        proxies,
        invoke: (event) => sandbox.invoke(handler, event),
      };
    }),
  );

  return {
    functions,
    lambda,
    secrets,
    apiKey,
    unusedGrants() {
      const unused: Record<string, string[]> = {};
      for (const handler of HANDLERS) {
        const proxies = Object.values(functions[handler].proxies);
        const grants = statementsOf(handler, template)
          .flatMap(grantsOf)
          .filter((grant) => /^(s3|dynamodb|lambda|secretsmanager):/.test(grant))
          .filter((grant) => !proxies.some((proxy) => proxy.used.has(grant)));
        if (grants.length > 0) unused[handler] = grants;
      }
      return unused;
    },
    takeRefusals() {
      const refusals: Record<string, string[]> = {};
      for (const handler of HANDLERS) {
        for (const proxy of Object.values(functions[handler].proxies)) {
          for (const { action, resource } of proxy.refused.splice(0)) {
            refusals[handler] = [...(refusals[handler] ?? []), `${action} ${resource}`];
          }
        }
      }
      return refusals;
    },
    enforce(handler, narrowed) {
      for (const proxy of Object.values(functions[handler].proxies)) {
        proxy.statements = statementsOf(handler, narrowed);
      }
    },
    async stop() {
      await lambda.stop();
      await secrets.stop();
      await Promise.all(
        Object.values(functions).flatMap((f) => [
          f.sandbox.stop(),
          ...Object.values(f.proxies).map((p) => p.stop()),
        ]),
      );
    },
  };
}

/** A variable of the function's environment: a Ref of a resource the test names, or a string. */
function resolveName(value: unknown, names: Record<string, ResourceName>): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  const name = ref && names[ref]?.ref;
  if (!name) throw new Error(`the harness cannot give the function ${JSON.stringify(value)}`);
  return name;
}
