/**
 * A Lambda function's IAM policy statements read from a synthesized CloudFormation
 * template: the role its `Role` names, that role's inline `Policies`, and every
 * AWS::IAM::Policy or AWS::IAM::ManagedPolicy attached to it. Intrinsics (Ref,
 * Fn::GetAtt, Fn::Join) resolve through `names`, which maps the stack's resources
 * to the test's own (bucket names, table name, function names); what it does not
 * name resolves to a string no request matches. A managed policy by ARN (an AWS one)
 * cannot be read from the template, so it throws.
 */
import type { Statement } from './iam-policy.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
export interface TemplateJson {
  Resources: Resources;
}

/** What a resource of the stack stands for in the test: its Ref and its attributes. */
export interface ResourceName {
  ref: string;
  attributes?: Record<string, string>;
}

export const TEST_ACCOUNT = '123456789012';
export const TEST_PARTITION = 'aws';

export const s3Name = (bucket: string): ResourceName => ({
  ref: bucket,
  attributes: { Arn: `arn:aws:s3:::${bucket}` },
});

export const tableName = (table: string, region: string): ResourceName => ({
  ref: table,
  attributes: { Arn: `arn:aws:dynamodb:${region}:${TEST_ACCOUNT}:table/${table}` },
});

export const functionName = (name: string, region: string): ResourceName => ({
  ref: name,
  attributes: { Arn: `arn:aws:lambda:${region}:${TEST_ACCOUNT}:function:${name}` },
});

function resolve(value: unknown, names: Record<string, ResourceName>, region: string): string {
  if (typeof value === 'string') return value;
  const object = (value ?? {}) as Record<string, unknown>;
  if ('Ref' in object) {
    const id = String(object.Ref);
    const pseudo: Record<string, string> = {
      'AWS::Partition': TEST_PARTITION,
      'AWS::Region': region,
      'AWS::AccountId': TEST_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return pseudo[id] ?? names[id]?.ref ?? `unresolved:${id}`;
  }
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return names[id]?.attributes?.[attribute] ?? `unresolved:${id}.${attribute}`;
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(part, names, region)).join(separator);
  }
  throw new Error(`the harness cannot resolve ${JSON.stringify(value)}`);
}

function resolveStatement(
  raw: Record<string, unknown>,
  names: Record<string, ResourceName>,
  region: string,
): Statement {
  for (const key of Object.keys(raw)) {
    if (!['Effect', 'Action', 'Resource', 'Condition', 'Sid'].includes(key)) {
      throw new Error(`the harness cannot evaluate a statement with ${key}`);
    }
  }
  const values = (v: unknown) => [v].flat().map((x) => resolve(x, names, region));
  const condition = raw.Condition as Record<string, Record<string, unknown>> | undefined;
  return {
    Effect: raw.Effect as Statement['Effect'],
    Action: [raw.Action as string | string[]].flat(),
    Resource: values(raw.Resource),
    ...(condition && {
      Condition: Object.fromEntries(
        Object.entries(condition).map(([operator, keys]) => [
          operator,
          Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, values(v)])),
        ]),
      ),
    }),
  };
}

/** The logical id of the function whose handler is `handler` (e.g. "index.addImage"). */
export function functionId(template: TemplateJson, handler: string): string {
  const id = Object.keys(template.Resources).find(
    (k) =>
      template.Resources[k]?.Type === 'AWS::Lambda::Function' &&
      template.Resources[k]?.Properties?.Handler === handler,
  );
  if (!id) throw new Error(`no function ${handler} in the template`);
  return id;
}

/** The logical id of the role of the function whose handler is `handler`. */
function roleIdOf(template: TemplateJson, handler: string): string {
  const fn = template.Resources[functionId(template, handler)]?.Properties ?? {};
  return (fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** The policies of the template attached to the role. */
const attachedPolicies = (template: TemplateJson, roleId: string) =>
  Object.values(template.Resources).filter(
    (r) =>
      ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(r.Type) &&
      ((r.Properties?.Roles ?? []) as { Ref?: string }[]).some((ref) => ref.Ref === roleId),
  );

/** Every statement the role of the function with this handler carries. */
export function functionStatements(
  template: TemplateJson,
  handler: string,
  names: Record<string, ResourceName>,
  region: string,
): Statement[] {
  const roleId = roleIdOf(template, handler);
  const role = template.Resources[roleId]?.Properties ?? {};
  if (role.ManagedPolicyArns) {
    throw new Error(`role ${roleId} has managed policies the template does not hold`);
  }
  const documents = [
    ...((role.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument),
    ...attachedPolicies(template, roleId).map((r) => r.Properties?.PolicyDocument),
  ] as { Statement: Record<string, unknown>[] }[];
  return documents.flatMap((d) => d.Statement.map((s) => resolveStatement(s, names, region)));
}

/** The hash key of the table with this logical id. */
export function hashKeyOf(template: TemplateJson, tableId: string): string {
  const schema = (template.Resources[tableId]?.Properties?.KeySchema ?? []) as {
    AttributeName: string;
    KeyType: string;
  }[];
  const hash = schema.find((k) => k.KeyType === 'HASH');
  if (!hash) throw new Error(`no hash key on ${tableId}`);
  return hash.AttributeName;
}

/** A copy of the template whose policies give the function's role `action` no more. */
export function withoutAction(
  template: TemplateJson,
  handler: string,
  action: string,
): TemplateJson {
  const narrowed = structuredClone(template);
  for (const policy of attachedPolicies(narrowed, roleIdOf(narrowed, handler))) {
    const document = policy.Properties?.PolicyDocument as {
      Statement: { Action: string | string[] }[];
    };
    document.Statement = document.Statement.map((s) => ({
      ...s,
      Action: [s.Action].flat().filter((a) => a !== action),
    })).filter((s) => s.Action.length > 0);
  }
  return narrowed;
}

/** The template's environment of the function whose handler is `handler`. */
export function functionEnvironment(
  template: TemplateJson,
  handler: string,
): Record<string, unknown> {
  const fn = template.Resources[functionId(template, handler)]?.Properties ?? {};
  return (fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}
