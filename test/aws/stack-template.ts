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

/** The logical ids a resource refers to (Ref, Fn::GetAtt, Fn::Sub, DependsOn). */
function referencesOf(resource: Resource, ids: Set<string>): Set<string> {
  const found = new Set<string>([resource.DependsOn ?? []].flat());
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.add(inner);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner) ? inner[0] : String(inner).split('.')[0];
        found.add(String(target));
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const [, name] of String(text).matchAll(/\$\{([^}.!]+)[^}]*\}/g)) {
          found.add(String(name));
        }
        if (Array.isArray(inner)) walk(inner[1]);
      } else walk(inner);
    }
  };
  walk(resource);
  return new Set([...found].filter((id) => ids.has(id)));
}

/**
 * A dependency cycle between resources, as a list of logical ids (first = last), or
 * undefined. CloudFormation refuses such a template at deploy time, and nothing in
 * synthesis notices, so the tests look for one.
 */
export function findDependencyCycle(resources: Resources): string[] | undefined {
  const ids = new Set(Object.keys(resources));
  const edges = new Map(
    Object.entries(resources).map(([id, r]) => [id, [...referencesOf(r, ids)]] as const),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
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
