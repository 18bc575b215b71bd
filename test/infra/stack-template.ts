import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GridBuilderStack, type GridBuilderStackProps } from '../../infra/lib/gridbuilder-stack.js';

// Helpers for the assertions on the synthesized CloudFormation template. Synthesis
// stays offline and fast: Lambda bundling is skipped (the bundle itself is tested in
// lambda-bundle.test.ts), and the page deployed is a stub folder, so the tests do not
// depend on `npm run build` having written dist/web.

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
};
export type Resources = Record<string, Resource>;

/** A folder shaped like dist/web: index.html, config.json (the local default), hashed assets. */
export function createStubPage(): { root: string; remove: () => void } {
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

export function synthesize(props: GridBuilderStackProps = {}): Synthesized {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new GridBuilderStack(app, 'GridBuilder', props);
  const template = Template.fromStack(stack);
  return {
    template,
    resources: template.toJSON().Resources as Resources,
    stack,
    outdir: app.outdir,
  };
}

/** The resource's logical id, looked up by a prefix of it. */
export function logicalIdIn(resources: Resources, prefix: string): string {
  const id = Object.keys(resources).find((k) => k.startsWith(prefix));
  if (!id) throw new Error(`no resource ${prefix}*`);
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
