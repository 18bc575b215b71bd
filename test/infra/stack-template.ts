import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll } from 'vitest';
import { GridBuilderStack, type GridBuilderStackProps } from '../../infra/lib/gridbuilder-stack.js';

// Helpers for the assertions on the synthesized CloudFormation template. Synthesis
// stays offline and fast: Lambda bundling is skipped (the bundle itself is tested in
// test/lambda/bundle.test.ts), and the page deployed is a stub folder, so the tests do not
// depend on `npm run build` having written dist/web.

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
};
export type Resources = Record<string, Resource>;

/** A folder shaped like dist/web: index.html, config.json (the local default), hashed assets. */
function createStubPage(): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'gridbuilder-stub-page-'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><title>stub</title><script type="module" src="./assets/index-abc123.js"></script>',
  );
  writeFileSync(join(root, 'config.json'), '{"apiUrl": ""}');
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log("stub");');
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Synthesized {
  template: Template;
  resources: Resources;
  stack: GridBuilderStack;
  /** The cloud assembly folder, where the assets are staged. */
  outdir: string;
}

/** The stack as the tests build it, not synthesized yet: Lambda bundling skipped. */
function buildStack(props: GridBuilderStackProps = {}): GridBuilderStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new GridBuilderStack(app, 'GridBuilder', props);
}

function synthesize(props: GridBuilderStackProps = {}): Synthesized {
  const stack = buildStack(props);
  const template = Template.fromStack(stack);
  return {
    template,
    resources: template.toJSON().Resources as Resources,
    stack,
    outdir: (stack.node.root as App).outdir,
  };
}

export interface StackFixture {
  /** The stack with its defaults, synthesized before the file's tests. */
  readonly synthesized: Synthesized;
  readonly template: Template;
  readonly resources: Resources;
  /** The logical id of the default stack's resource whose id starts with `prefix`. */
  logicalId(prefix: string): string;
  /** The stack with other props, and the stub page unless they name another. */
  synth(props?: GridBuilderStackProps): Synthesized;
  /** The same, not synthesized yet. */
  build(props?: GridBuilderStackProps): GridBuilderStack;
}

/** One test file's stack: a stub page made, the stack synthesized, the page removed after. */
export function useStack(): StackFixture {
  let page: ReturnType<typeof createStubPage> | undefined;
  let synthesized: Synthesized | undefined;
  const withPage = (props: GridBuilderStackProps = {}) => ({ webRoot: page?.root, ...props });
  const synth = (props?: GridBuilderStackProps) => synthesize(withPage(props));
  const ready = (): Synthesized => {
    if (!synthesized) throw new Error('the stack is synthesized in beforeAll: use it in a test');
    return synthesized;
  };
  beforeAll(() => {
    page = createStubPage();
    synthesized = synth();
  });
  afterAll(() => page?.remove());
  return {
    get synthesized() {
      return ready();
    },
    get template() {
      return ready().template;
    },
    get resources() {
      return ready().resources;
    },
    logicalId: (prefix) => logicalIdIn(ready().resources, prefix),
    synth,
    build: (props) => buildStack(withPage(props)),
  };
}

/** What every bucket of the stack is: private, encrypted with S3-managed keys. */
export const PRIVATE_BUCKET = {
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
};

/** Every statement of the template's IAM policies, with the logical ids of the roles it is for. */
export function statementsIn(template: Template) {
  return Object.values(template.toJSON().Resources as Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) =>
      (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.map(
        (statement) => ({
          statement,
          roles: (r.Properties.Roles as { Ref: string }[]).map((ref) => ref.Ref),
        }),
      ),
    );
}

/** The resource's logical id, looked up by a prefix of it. */
export function logicalIdIn(resources: Resources, prefix: string): string {
  const id = Object.keys(resources).find((k) => k.startsWith(prefix));
  if (!id) throw new Error(`no resource ${prefix}*`);
  return id;
}

/** The logical id of the Lambda function whose handler is `handler` (e.g. "index.renditions"). */
export function functionIdIn(resources: Resources, handler: string): string {
  const id = Object.keys(resources).find(
    (k) =>
      resources[k]?.Type === 'AWS::Lambda::Function' &&
      resources[k]?.Properties.Handler === handler,
  );
  if (!id) throw new Error(`no function ${handler}`);
  return id;
}

/**
 * A CloudFormation value made readable: Fn::Join joined, a Ref shown as `<Id>` (or the
 * pseudo parameter's value given), a Fn::GetAtt as `<Id.Attribute>`.
 */
export function resolveForReading(value: unknown, pseudo: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Ref' in object) {
      const name = String(object.Ref);
      return pseudo[name] ?? `<${name}>`;
    }
    if ('Fn::GetAtt' in object) {
      return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => resolveForReading(part, pseudo)).join(separator);
    }
  }
  throw new Error(`cannot read ${JSON.stringify(value)}`);
}
